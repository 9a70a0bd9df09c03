/* The settings of the runtime-hosted elements, generically: each element's settings are a table of
 * SettingSpecs generated from their one declaration in TypeScript (ts-runtime/src/settings, by
 * scripts/gen-settings-header.mjs into the build's ts-settings.h). From a spec this installs the
 * GObject property (name, nick, blurb, type, range, default, flags), converts values to and from
 * GValues, and writes the value into the runtime's config JSON under the setting's canonical name. */
#pragma once

#include <gst/gst.h>

#include <string>

#include "json-writer.h"

namespace tsv {

enum class SettingType { BOOL, INT, UINT, DOUBLE, STRING, ENUM };

struct EnumValueSpec {
  const char *nick;
  const char *description;
};

/* A GEnum type; value i is values[i]. */
struct EnumSpec {
  const char *type_name;
  const EnumValueSpec *values;
  unsigned n_values;
};

struct SettingSpec {
  const char *key;  /* canonical name (camelCase): the key in the runtime config */
  const char *name; /* GObject property name (kebab-case) */
  const char *nick;
  const char *blurb;
  SettingType type;
  bool mutable_playing; /* GST_PARAM_MUTABLE_PLAYING, else GST_PARAM_MUTABLE_READY */
  double min, max;      /* INT, UINT, DOUBLE */
  double default_number;      /* BOOL (0/1), INT, UINT, DOUBLE, ENUM (value index) */
  const char *default_string; /* STRING (nullptr: null) */
  const EnumSpec *enum_spec;  /* ENUM */
};

struct SettingsTable {
  const SettingSpec *specs;
  unsigned n;
};

/* One element's settings table, by the runtime's element kind. */
struct ElementSettings {
  const char *kind;
  const SettingsTable *table;
};

/* A setting's current value: `number` for every type but STRING (enum: the value index). */
struct SettingValue {
  double number = 0;
  std::string string;
  bool null = false; /* STRING: unset */
  bool operator==(const SettingValue &o) const {
    return number == o.number && string == o.string && null == o.null;
  }
  bool operator!=(const SettingValue &o) const { return !(*this == o); }
};

SettingValue setting_default(const SettingSpec &spec);
/* The GParamSpec of the setting's property (its GEnum type registered on first use). */
GParamSpec *setting_param_spec(const SettingSpec &spec);
void setting_from_gvalue(const SettingSpec &spec, const GValue *value, SettingValue &out);
void setting_to_gvalue(const SettingSpec &spec, const SettingValue &value, GValue *out);
/* Writes `"key": value` (enums by nick, unset strings as null). */
void setting_write_json(const SettingSpec &spec, const SettingValue &value, JsonWriter &json);

} // namespace tsv
