#include "settings.h"

#include <mutex>

namespace tsv {

/* Registers the GEnum type once (elements may share it) and marks it as plugin API. */
static GType enum_type(const EnumSpec &e) {
  static std::mutex lock;
  std::lock_guard<std::mutex> guard(lock);
  GType type = g_type_from_name(e.type_name);
  if (type)
    return type;
  /* GLib keeps the values for the type's lifetime (the process). */
  GEnumValue *values = g_new0(GEnumValue, e.n_values + 1);
  for (unsigned i = 0; i < e.n_values; i++)
    values[i] = {(gint)i, e.values[i].description, e.values[i].nick};
  type = g_enum_register_static(e.type_name, values);
  gst_type_mark_as_plugin_api(type, (GstPluginAPIFlags)0);
  return type;
}

SettingValue setting_default(const SettingSpec &spec) {
  SettingValue v;
  v.number = spec.default_number;
  if (spec.type == SettingType::STRING) {
    v.null = spec.default_string == nullptr;
    v.string = spec.default_string ? spec.default_string : "";
  }
  return v;
}

GParamSpec *setting_param_spec(const SettingSpec &spec) {
  const GParamFlags flags = (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                                          (spec.mutable_playing ? GST_PARAM_MUTABLE_PLAYING : GST_PARAM_MUTABLE_READY));
  const char *n = spec.name, *nick = spec.nick, *blurb = spec.blurb;
  switch (spec.type) {
  case SettingType::BOOL:
    return g_param_spec_boolean(n, nick, blurb, spec.default_number != 0, flags);
  case SettingType::INT:
    return g_param_spec_int(n, nick, blurb, (gint)spec.min, (gint)spec.max, (gint)spec.default_number, flags);
  case SettingType::UINT:
    return g_param_spec_uint(n, nick, blurb, (guint)spec.min, (guint)spec.max, (guint)spec.default_number, flags);
  case SettingType::DOUBLE:
    return g_param_spec_double(n, nick, blurb, spec.min, spec.max, spec.default_number, flags);
  case SettingType::STRING:
    return g_param_spec_string(n, nick, blurb, spec.default_string, flags);
  case SettingType::ENUM:
    return g_param_spec_enum(n, nick, blurb, enum_type(*spec.enum_spec), (gint)spec.default_number, flags);
  }
  return nullptr;
}

void setting_from_gvalue(const SettingSpec &spec, const GValue *value, SettingValue &out) {
  switch (spec.type) {
  case SettingType::BOOL: out.number = g_value_get_boolean(value) ? 1 : 0; break;
  case SettingType::INT: out.number = g_value_get_int(value); break;
  case SettingType::UINT: out.number = g_value_get_uint(value); break;
  case SettingType::DOUBLE: out.number = g_value_get_double(value); break;
  case SettingType::ENUM: out.number = g_value_get_enum(value); break;
  case SettingType::STRING: {
    /* NULL restores the default. */
    const char *s = g_value_get_string(value);
    if (s) {
      out.string = s;
      out.null = false;
    } else {
      out = setting_default(spec);
    }
    break;
  }
  }
}

void setting_to_gvalue(const SettingSpec &spec, const SettingValue &v, GValue *out) {
  switch (spec.type) {
  case SettingType::BOOL: g_value_set_boolean(out, v.number != 0); break;
  case SettingType::INT: g_value_set_int(out, (gint)v.number); break;
  case SettingType::UINT: g_value_set_uint(out, (guint)v.number); break;
  case SettingType::DOUBLE: g_value_set_double(out, v.number); break;
  case SettingType::ENUM: g_value_set_enum(out, (gint)v.number); break;
  case SettingType::STRING: g_value_set_string(out, v.null ? nullptr : v.string.c_str()); break;
  }
}

void setting_write_json(const SettingSpec &spec, const SettingValue &v, JsonWriter &json) {
  json.key(spec.key);
  switch (spec.type) {
  case SettingType::BOOL: json.value(v.number != 0); break;
  case SettingType::INT:
  case SettingType::UINT: json.value((int64_t)v.number); break;
  case SettingType::DOUBLE: json.value(v.number); break;
  case SettingType::ENUM: {
    unsigned i = (unsigned)v.number;
    json.value(i < spec.enum_spec->n_values ? spec.enum_spec->values[i].nick : nullptr);
    break;
  }
  case SettingType::STRING: json.value(v.null ? nullptr : v.string.c_str()); break;
  }
}

} // namespace tsv
