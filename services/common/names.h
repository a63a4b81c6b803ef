// Names from configs and clients that become path components: stock symbols, indicator set names.
//
//   if (Status st = CheckName("stock", request.stock()); !st.ok()) return reject(st);
//
// A valid name is 1-64 characters of ASCII letters, digits, '.', '_' and '-', starting with a
// letter or a digit — so never "", ".", "..", "../x", "a/b" or an absolute path, and a name joined
// to a directory always stays inside it. The config schema's `file_name` rule
// (clients/python/ticklab/config_schema.toml) is the same test, applied when a config loads.
// Thread-safety: pure functions.
#pragma once

#include <string>

#include "services/common/status.h"

namespace ticklab {

constexpr size_t kMaxNameLength = 64;

bool IsValidName(const std::string& name);

// OK for a valid name; else InvalidArgument `<what>: expected a name of letters, digits, '.', '_'
// or '-' starting with a letter or digit (at most 64), got "<name>"`.
Status CheckName(const std::string& what, const std::string& name);

}  // namespace ticklab
