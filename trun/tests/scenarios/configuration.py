"""Scenario: reading luigi.cfg through luigi.configuration (interpolation, typed getters, errors)."""

import json

from luigi import configuration


def attempt(fn):
    try:
        return ["value", fn()]
    except ValueError:  # trun raises a subclass naming the file and key
        return ["error", "ValueError"]
    except Exception as e:
        return ["error", type(e).__name__]


cfg = configuration.get_config()
res = {"type": type(cfg).__name__}
for key in ("greeting", "home", "pct", "dollar", "shared", "missing_env", "bad_ref"):
    res[key] = attempt(lambda key=key: cfg.get("mysec", key))
res["num"] = attempt(lambda: cfg.getint("mysec", "num"))
res["flag"] = attempt(lambda: cfg.getboolean("mysec", "flag"))
res["ratio"] = attempt(lambda: cfg.getfloat("mysec", "ratio"))
res["no_section"] = attempt(lambda: cfg.get("nope", "x"))
res["no_option"] = attempt(lambda: cfg.get("mysec", "x"))
res["default"] = attempt(lambda: cfg.get("mysec", "x", "dflt"))
res["default_none"] = attempt(lambda: cfg.get("mysec", "x", None))
res["getint_default"] = attempt(lambda: cfg.getint("mysec", "x", 7))
res["getint_bad"] = attempt(lambda: cfg.getint("mysec", "name"))
res["getboolean_missing"] = attempt(lambda: cfg.getboolean("mysec", "x"))
res["intdict"] = attempt(lambda: cfg.getintdict("resources"))
res["intdict_missing"] = attempt(lambda: cfg.getintdict("nope"))
res["has_option"] = [cfg.has_option("mysec", "num"), cfg.has_option("mysec", "zz"), cfg.has_option("zz", "a")]
res["has_section"] = [cfg.has_section("mysec"), cfg.has_section("zz")]
cfg.set("mysec", "added", "1")
res["set"] = attempt(lambda: cfg.get("mysec", "added"))
res["set_new_section"] = attempt(lambda: cfg.set("newsec", "a", "1"))
res["items"] = attempt(lambda: sorted(cfg.items("resources")))
res["items_missing"] = attempt(lambda: cfg.items("zz"))
res["from_config_path"] = attempt(lambda: cfg.get("extra", "origin"))
with open("later.cfg", "w") as f:
    f.write("[mysec]\nnum = 9\n")
res["add_cfg"] = attempt(lambda: configuration.add_config_path("later.cfg"))
res["num_after"] = attempt(lambda: configuration.get_config().getint("mysec", "num"))
res["add_missing"] = attempt(lambda: configuration.add_config_path("missing.cfg"))
res["same_instance"] = configuration.get_config() is cfg
res["parser_instance"] = configuration.LuigiConfigParser.instance() is cfg
res["parsers"] = sorted(configuration.core.PARSERS)
# users' tests forget a file they added: out of the class's _config_paths, then a new instance
res["added_listed"] = "later.cfg" in configuration.LuigiConfigParser._config_paths
configuration.LuigiConfigParser._config_paths.remove("later.cfg")
configuration.LuigiConfigParser._instance = None
res["num_forgotten"] = attempt(lambda: configuration.get_config().getint("mysec", "num"))
print(json.dumps(res, sort_keys=True))
