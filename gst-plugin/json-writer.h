/* A minimal JSON writer for the plugin's config hand-over and tsexport's JSON Lines. */
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>

namespace tsv {

class JsonWriter {
public:
  JsonWriter &begin_object() { sep(); out_ += '{'; first_ = true; return *this; }
  JsonWriter &end_object() { out_ += '}'; first_ = false; return *this; }
  JsonWriter &begin_array() { sep(); out_ += '['; first_ = true; return *this; }
  JsonWriter &end_array() { out_ += ']'; first_ = false; return *this; }
  JsonWriter &key(const char *k) { sep(); quote(k); out_ += ':'; first_ = true; return *this; }
  JsonWriter &value(const std::string &s) { sep(); quote(s.c_str()); return *this; }
  JsonWriter &value(const char *s) {
    sep();
    if (s) quote(s); else out_ += "null";
    return *this;
  }
  JsonWriter &value(double d) {
    sep();
    if (!std::isfinite(d)) { out_ += "null"; return *this; }
    char buf[32];
    snprintf(buf, sizeof buf, "%.10g", d);
    out_ += buf;
    return *this;
  }
  JsonWriter &value(int64_t i) { sep(); out_ += std::to_string(i); return *this; }
  JsonWriter &value(int i) { return value((int64_t)i); }
  JsonWriter &value(uint64_t i) { sep(); out_ += std::to_string(i); return *this; }
  JsonWriter &value(bool b) { sep(); out_ += b ? "true" : "false"; return *this; }
  JsonWriter &null() { sep(); out_ += "null"; return *this; }
  template <typename T> JsonWriter &field(const char *k, T v) { key(k); return value(v); }

  const std::string &str() const { return out_; }
  void clear() { out_.clear(); first_ = true; }

private:
  void sep() {
    if (!first_) out_ += ',';
    first_ = false;
  }
  void quote(const char *s) {
    out_ += '"';
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
      switch (*p) {
      case '"': out_ += "\\\""; break;
      case '\\': out_ += "\\\\"; break;
      case '\n': out_ += "\\n"; break;
      case '\r': out_ += "\\r"; break;
      case '\t': out_ += "\\t"; break;
      default:
        if (*p < 0x20) {
          char buf[8];
          snprintf(buf, sizeof buf, "\\u%04x", *p);
          out_ += buf;
        } else {
          out_ += (char)*p;
        }
      }
    }
    out_ += '"';
  }

  std::string out_;
  bool first_ = true;
};

} // namespace tsv
