#include "tinyforge/util/shared_library.h"

#include <dlfcn.h>

#include <stdexcept>

namespace tinyforge {

SharedLibrary::SharedLibrary(std::string soname, const std::string& purpose, std::string package)
    : handle_(::dlopen(soname.c_str(), RTLD_NOW | RTLD_LOCAL)),
      soname_(std::move(soname)),
      package_(std::move(package)) {
  if (!handle_)
    throw std::runtime_error(purpose + " needs " + soname_ + ": " + ::dlerror() +
                             " (Debian: apt-get install " + package_ + ")");
}

void* SharedLibrary::symbol(const char* name) const {
  void* f = ::dlsym(handle_, name);
  if (!f) throw std::runtime_error(soname_ + " lacks " + name + "; install " + package_);
  return f;
}

}  // namespace tinyforge
