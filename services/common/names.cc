#include "services/common/names.h"

namespace ticklab {
namespace {

bool IsAlnum(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

// Printable for messages: control bytes and non-ASCII as \xNN.
std::string Printable(const std::string& s) {
  std::string out;
  for (unsigned char c : s.substr(0, 80)) {
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      static const char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return s.size() > 80 ? out + "..." : out;
}

}  // namespace

bool IsValidName(const std::string& name) {
  if (name.empty() || name.size() > kMaxNameLength || !IsAlnum(name[0])) return false;
  for (char c : name) {
    if (!IsAlnum(c) && c != '.' && c != '_' && c != '-') return false;
  }
  return true;
}

Status CheckName(const std::string& what, const std::string& name) {
  if (IsValidName(name)) return Status::Ok();
  return Status::InvalidArgument(what +
                                 ": expected a name of letters, digits, '.', '_' or '-' starting "
                                 "with a letter or digit (at most 64), got \"" +
                                 Printable(name) + "\"");
}

}  // namespace ticklab
