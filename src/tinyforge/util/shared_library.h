// util/shared_library: a shared library opened at its first use instead of linked, so that it costs no
// command its start-up (libcurl for uploads, libcrypto for digests).
#pragma once
#include <string>

namespace tinyforge {

class SharedLibrary {
 public:
  // Opens `soname`; if it cannot, throws std::runtime_error "<purpose> needs <soname>: <why> (Debian: apt-get
  // install <package>)". Never closed: its functions stay in use until the process ends.
  SharedLibrary(std::string soname, const std::string& purpose, std::string package);
  // Sets `function` to the library's symbol `name`, or throws naming it and the package to install.
  template <class F>
  void load(F& function, const char* name) const {
    function = reinterpret_cast<F>(symbol(name));
  }

 private:
  void* symbol(const char* name) const;
  void* handle_;
  std::string soname_, package_;
};

}  // namespace tinyforge
