/* A minimal JSON writer for the plugin's config hand-over and tsexport's JSON Lines. */
#pragma once

#include <cmath>
#include <cstdint>
#include <cctype>
#include <cstdio>
#include <cstring>
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
  /* A value that is JSON already (e.g. from json_compact()). */
  JsonWriter &raw(const std::string &json) { sep(); out_ += json; return *this; }
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

/* Checks that `text` is one JSON value (RFC 8259) and writes it to `out` without the whitespace
 * between tokens (a user's JSON inside a JSON line: one line, whatever was typed). Returns false
 * with what is wrong and at which character in `error`. */
class JsonCompactor {
public:
  static bool compact(const std::string &text, std::string &out, std::string &error) {
    JsonCompactor c(text);
    c.ws();
    bool ok = c.value(0) && (c.ws(), c.i_ == text.size() || c.fail("unexpected text after the value"));
    if (!ok) {
      error = c.error_ + " at character " + std::to_string(c.i_ + 1);
      return false;
    }
    out = std::move(c.out_);
    return true;
  }

private:
  explicit JsonCompactor(const std::string &t) : t_(t) {}
  bool fail(const char *why) { error_ = why; return false; }
  bool eat(char c) {
    if (i_ < t_.size() && t_[i_] == c) { out_ += c; i_++; return true; }
    return false;
  }
  void ws() { while (i_ < t_.size() && (t_[i_] == ' ' || t_[i_] == '\t' || t_[i_] == '\n' || t_[i_] == '\r')) i_++; }
  bool digits() {
    size_t start = i_;
    while (i_ < t_.size() && t_[i_] >= '0' && t_[i_] <= '9') out_ += t_[i_++];
    return i_ > start || fail("expected a digit");
  }
  bool number() {
    eat('-');
    if (!eat('0') && !digits()) return false;
    if (eat('.') && !digits()) return false;
    if (eat('e') || eat('E')) {
      if (!eat('+')) eat('-');
      if (!digits()) return false;
    }
    return true;
  }
  bool string() {
    if (!eat('"')) return fail("expected a string");
    while (i_ < t_.size()) {
      unsigned char c = (unsigned char)t_[i_];
      if (c < 0x20) return fail("control character in a string");
      out_ += (char)c;
      i_++;
      if (c == '"') return true;
      if (c == '\\') {
        if (i_ >= t_.size()) break;
        char e = t_[i_];
        out_ += e;
        i_++;
        if (e == 'u') {
          for (int k = 0; k < 4; k++, i_++) {
            if (i_ >= t_.size() || !isxdigit((unsigned char)t_[i_])) return fail("bad \\u escape");
            out_ += t_[i_];
          }
        } else if (!strchr("\"\\/bfnrt", e) || e == 0) {
          return fail("bad escape in a string");
        }
      }
    }
    return fail("unterminated string");
  }
  bool literal(const char *word) {
    size_t n = strlen(word);
    if (t_.compare(i_, n, word) != 0) return fail("expected a value");
    out_ += word;
    i_ += n;
    return true;
  }
  bool value(int depth) {
    if (depth > 64) return fail("nested too deep");
    if (i_ >= t_.size()) return fail("expected a value");
    char c = t_[i_];
    if (c == '{' || c == '[') {
      const char close = c == '{' ? '}' : ']';
      eat(c);
      ws();
      if (eat(close)) return true;
      for (;;) {
        if (close == '}') {
          if (!string()) return false;
          ws();
          if (!eat(':')) return fail("expected ':'");
          ws();
        }
        if (!value(depth + 1)) return false;
        ws();
        if (eat(close)) return true;
        if (!eat(',')) return fail(close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
        ws();
      }
    }
    if (c == '"') return string();
    if (c == '-' || (c >= '0' && c <= '9')) return number();
    if (c == 't') return literal("true");
    if (c == 'f') return literal("false");
    return literal("null");
  }

  const std::string &t_;
  size_t i_ = 0;
  std::string out_, error_;
};

} // namespace tsv
