// ConfigSchema: the validator that interprets the config schema, clients/python/ticklab/
// config_schema.toml (the one definition of every config key; embedded into the binary by CMake,
// so nothing is looked up at run time). The Python package interprets the same file in the same
// order with the same messages (ticklab/config_schema.py; tests/test_config_parity.py compares).
// Internal to services/common: LoadConfig() (config.h) is the public entry point.
// Thread-safety: stateless functions.
#pragma once

#include <string>
#include <string_view>

#include <toml++/toml.h>

#include "services/common/status.h"

namespace ticklab {

// The schema file's text, as embedded at build time.
std::string_view ConfigSchemaText();

// Parses TOML text; a syntax error is InvalidArgument "path:line: description".
Result<toml::table> ParseToml(const std::string& text, const std::string& path);

// Checks a parsed config document against the schema and returns it with defaults filled in
// (clocks as integer seconds after midnight, dates as "YYYY-MM-DD" strings; other values as given).
// The first error is an InvalidArgument "file: [table].key: what was expected, got what".
Result<toml::table> ValidateConfigDocument(const toml::table& doc, const std::string& file);

// Checks one [[indicator_sets.indicators]] table (`kind` and its parameters) by the schema's
// [indicator] and [indicator_kinds.<kind>] rules, as ValidateConfigDocument does for each such
// table; errors are InvalidArgument "<where>.key: what was expected, got what". A kind the schema
// does not define (a plug-in registered at run time) is OK here: the plug-in checks its own keys.
Status ValidateIndicatorTable(const toml::table& table, const std::string& where);

}  // namespace ticklab
