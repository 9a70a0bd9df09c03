#include "database-writer.h"

#include "config.h"

#include <gst/gst.h>

#if TSVISION_HAVE_LIBPQ
#include <libpq-fe.h>
#endif
#if TSVISION_HAVE_SQLITE
#include <sqlite3.h>
#endif

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <pthread.h>
#include <thread>
#include <vector>

GST_DEBUG_CATEGORY_STATIC(tsexport_database_debug);
#define GST_CAT_DEFAULT tsexport_database_debug

namespace tsv {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

/* "Dropped …" warnings while connected but not keeping up: at most one per interval. */
constexpr milliseconds kDropReportInterval{5000};
/* stop(): how long past the flush timeout to wait for a stuck thread before leaving it. */
constexpr milliseconds kStopGrace{1000};

} // namespace

void database_writer_debug_init() {
  static std::once_flag once;
  std::call_once(once, [] {
    GST_DEBUG_CATEGORY_INIT(tsexport_database_debug, "tsexport-database", 0, "tsexport's database writer");
  });
}

namespace {

/* A message on one line: libpq's end with a newline and continue on tab-indented lines. */
std::string one_line(std::string s) {
  for (char &c : s)
    if (c == '\n' || c == '\t' || c == '\r')
      c = ' ';
  std::string out;
  for (char c : s)
    if (!(c == ' ' && (out.empty() || out.back() == ' ')))
      out += c;
  while (!out.empty() && (out.back() == ' ' || out.back() == '.'))
    out.pop_back();
  return out;
}

bool starts_with(const std::string &s, const char *prefix) { return s.rfind(prefix, 0) == 0; }

/* The frame number of a tsvision JSON line ({"frame":N,…}), for messages; "?" if none. */
std::string frame_of(const std::string &line) {
  auto at = line.find("\"frame\":");
  if (at == std::string::npos)
    return "?";
  at += 8;
  auto end = line.find_first_not_of("0123456789", at);
  return end == at ? "?" : line.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

} // namespace

/* ---- the back-ends ---------------------------------------------------------------------------- */

struct Status {
  enum Kind { OK, RETRY, FATAL } kind = OK;
  std::string message;
  bool lost_connection = false; /* RETRY: the connection is gone (else: a transient refusal) */
  std::string sqlstate;         /* PostgreSQL's error code, where there is one */
  std::vector<std::string> skipped; /* OK: lines the database cannot take, left out: "frame N: why" */
  static Status ok() { return {}; }
  static Status retry(std::string m, bool lost = false) { return {RETRY, std::move(m), lost}; }
  static Status fatal(std::string m) { return {FATAL, std::move(m), false}; }
};

class Backend {
public:
  virtual ~Backend() = default;
  /* "the PostgreSQL database \"db\" at host:port", "the SQLite database \"path\"": never a password. */
  virtual std::string describe() const = 0;
  /* Connects (or opens) and creates the schema if missing. */
  virtual Status connect() = 0;
  /* Writes the lines in one transaction. */
  virtual Status write(const std::vector<std::string> &lines) = 0;
  virtual void disconnect() = 0;
};

/* The columns, shared by both back-ends (types differ: see each schema). */
#define FRAME_COLUMNS "run, source, frame, pts, time, width, height, object_count, tags, classifications, counts, motion"
#define OBJECT_COLUMNS                                                                                           \
  "run, source, frame, pts, time, track_id, label, label_id, confidence, x, y, width, height, predicted, "      \
  "interpolated, classifications, keypoints, rotation, mask"
#define EVENT_COLUMNS "run, source, frame, pts, time, type, rule, track_id, label, direction, data"

#if TSVISION_HAVE_LIBPQ

/* PostgreSQL. Each batch is one statement (so one transaction): the lines joined by newlines (a
 * JSON line holds none) are split, parsed as jsonb once, and expanded into the three tables. */
static const char *const kPgSchema[] = {
    "SELECT pg_advisory_xact_lock(7302766571636452)", /* two pipelines creating the tables at once */
    "CREATE TABLE IF NOT EXISTS frames ("
    " run text NOT NULL, source text, frame bigint NOT NULL, pts bigint, time timestamptz NOT NULL,"
    " width integer, height integer, object_count integer NOT NULL,"
    " tags jsonb, classifications jsonb, counts jsonb, motion jsonb,"
    " PRIMARY KEY (run, frame))",
    "CREATE INDEX IF NOT EXISTS frames_source_time ON frames (source, time)",
    "CREATE TABLE IF NOT EXISTS objects ("
    " run text NOT NULL, source text, frame bigint NOT NULL, pts bigint, time timestamptz NOT NULL,"
    " track_id bigint, label text, label_id integer, confidence double precision,"
    " x double precision, y double precision, width double precision, height double precision,"
    " predicted boolean NOT NULL, interpolated boolean NOT NULL,"
    " classifications jsonb, keypoints jsonb, rotation jsonb, mask jsonb)",
    "CREATE INDEX IF NOT EXISTS objects_source_track_frame ON objects (source, track_id, frame)",
    "CREATE INDEX IF NOT EXISTS objects_source_time ON objects (source, time)",
    "CREATE TABLE IF NOT EXISTS events ("
    " run text NOT NULL, source text, frame bigint NOT NULL, pts bigint, time timestamptz NOT NULL,"
    " type text, rule text, track_id bigint, label text, direction text, data jsonb NOT NULL)",
    "CREATE INDEX IF NOT EXISTS events_source_time ON events (source, time)",
};

#define PG_OBJECT_VALUES(o)                                                                                       \
  "(" o "->>'track_id')::bigint, " o "->>'label', (" o "->>'class_id')::integer, (" o                           \
  "->>'confidence')::float8, (" o "->'box'->>'x')::float8, (" o "->'box'->>'y')::float8, (" o                  \
  "->'box'->>'width')::float8, (" o "->'box'->>'height')::float8, coalesce((" o "->>'predicted')::boolean, false), " \
  "coalesce((" o "->>'interpolated')::boolean, false), " o "->'classifications', " o "->'keypoints', " o          \
  "->'rotation', " o "->'mask'"

static const char *const kPgInsert =
    "WITH l AS (SELECT line::jsonb AS j FROM unnest(string_to_array($2, E'\\n')) AS u(line)),"
    " f AS (INSERT INTO frames (" FRAME_COLUMNS ")"
    "  SELECT $1, j->>'source', (j->>'frame')::bigint, (j->>'pts')::bigint, (j->>'time')::timestamptz,"
    "   (j->>'width')::integer, (j->>'height')::integer, coalesce(jsonb_array_length(j->'objects'), 0),"
    "   j->'tags', j->'classifications', j->'counts', j->'motion' FROM l"
    "  ON CONFLICT (run, frame) DO NOTHING RETURNING frame),"
    " n AS (SELECT l.j FROM l JOIN f ON (l.j->>'frame')::bigint = f.frame),"
    " o AS (INSERT INTO objects (" OBJECT_COLUMNS ")"
    "  SELECT $1, n.j->>'source', (n.j->>'frame')::bigint, (n.j->>'pts')::bigint, (n.j->>'time')::timestamptz, "
    PG_OBJECT_VALUES("o.v") " FROM n, jsonb_array_elements(n.j->'objects') AS o(v)"
    "  UNION ALL"
    "  SELECT $1, n.j->>'source', (p.v->>'frame')::bigint, (p.v->>'pts')::bigint, (n.j->>'time')::timestamptz, "
    PG_OBJECT_VALUES("p.v") " FROM n, jsonb_array_elements(n.j->'past_objects') AS p(v)),"
    " e AS (INSERT INTO events (" EVENT_COLUMNS ")"
    "  SELECT $1, n.j->>'source', (n.j->>'frame')::bigint, (n.j->>'pts')::bigint, (n.j->>'time')::timestamptz,"
    "   e.v->>'type', coalesce(e.v->>'line', e.v->>'zone'), (e.v->>'track_id')::bigint, e.v->>'label',"
    "   e.v->>'direction', e.v FROM n, jsonb_array_elements(n.j->'events') AS e(v))"
    " SELECT count(*) FROM f";

class PostgresBackend : public Backend {
public:
  PostgresBackend(const DatabaseWriterConfig &cfg) : cfg_(cfg) {
    /* Until the first attempt tells libpq's defaults: what the connection string says. */
    PQconninfoOption *opts = PQconninfoParse(cfg.target.c_str(), nullptr);
    for (PQconninfoOption *o = opts; o && o->keyword; o++) {
      if (!o->val)
        continue;
      if (!strcmp(o->keyword, "host") || !strcmp(o->keyword, "hostaddr"))
        host_ = o->val;
      else if (!strcmp(o->keyword, "port"))
        port_ = o->val;
      else if (!strcmp(o->keyword, "dbname"))
        dbname_ = o->val;
      else if (!strcmp(o->keyword, "user"))
        user_ = o->val;
    }
    if (opts)
      PQconninfoFree(opts);
  }
  ~PostgresBackend() override { disconnect(); }

  std::string describe() const override {
    std::string where = host_.empty() ? "the local socket" : host_.find(':') != std::string::npos
                                                                 ? "[" + host_ + "]"
                                                                 : host_;
    if (!host_.empty() && host_[0] == '/')
      where = "the socket in " + host_;
    if (!port_.empty())
      where += ":" + port_;
    return "the PostgreSQL database \"" + (dbname_.empty() ? user_ : dbname_) + "\" at " + where;
  }

  Status connect() override {
    disconnect();
    /* Earlier keywords are defaults the connection string (dbname, expanded) overrides; the
     * password file's password comes after it, and wins. */
    std::vector<const char *> keys = {"connect_timeout", "fallback_application_name", "client_encoding",
                                      "keepalives_idle", "keepalives_interval", "keepalives_count", "dbname"};
    std::vector<const char *> values = {"5", cfg_.application_name.c_str(), "UTF8", "10", "5", "3",
                                        cfg_.target.c_str()};
    if (cfg_.has_password) {
      keys.push_back("password");
      values.push_back(cfg_.password.c_str());
    }
    keys.push_back(nullptr);
    values.push_back(nullptr);
    conn_ = PQconnectdbParams(keys.data(), values.data(), 1);
    if (!conn_)
      return Status::retry("out of memory");
    if (PQhost(conn_) && *PQhost(conn_))
      host_ = PQhost(conn_);
    if (PQport(conn_) && *PQport(conn_))
      port_ = PQport(conn_);
    if (PQdb(conn_))
      dbname_ = PQdb(conn_);
    if (PQuser(conn_))
      user_ = PQuser(conn_);
    if (PQstatus(conn_) != CONNECTION_OK) {
      Status st = classify_connect_error(one_line(PQerrorMessage(conn_)));
      disconnect();
      return st;
    }
    PQsetNoticeProcessor(conn_, [](void *, const char *) {}, nullptr); /* "relation exists, skipping" */
    for (const char *sql : kPgSchema) {
      if (sql == kPgSchema[0]) {
        Status st = exec("BEGIN");
        if (st.kind != Status::OK)
          return st;
      }
      Status st = exec(sql);
      if (st.kind != Status::OK) {
        if (st.kind == Status::FATAL)
          st.message = "Cannot create the tables in " + describe() + " (property database): " + st.message +
                       " (tables frames, objects or events made by something else?)";
        return st;
      }
    }
    Status st = exec("COMMIT");
    if (st.kind != Status::OK)
      return st;
    const Oid text_oid = 25; /* both parameters are text (pg_type.h: TEXTOID) */
    const Oid types[2] = {text_oid, text_oid};
    PGresult *r = PQprepare(conn_, "tsexport_insert", kPgInsert, 2, types);
    st = result_status(r, PGRES_COMMAND_OK);
    PQclear(r);
    if (st.kind == Status::FATAL)
      st.message = "The tables frames, objects or events in " + describe() +
                   " (property database) do not have the columns tsexport writes (made by something else?): " +
                   st.message;
    return st;
  }

  Status write(const std::vector<std::string> &lines) override {
    Status st = insert(lines);
    if (st.kind != Status::FATAL || !starts_with(st.sqlstate, "22"))
      return st;
    /* A data exception (a \u0000 in a string: 22P05; a number out of range: 22003) is one line's:
     * the lines again one at a time, the ones the database cannot take left out (each its own
     * statement: those already written are not written twice if the batch is sent again). */
    Status all = Status::ok();
    for (const std::string &line : lines) {
      st = insert({line});
      if (st.kind == Status::FATAL && starts_with(st.sqlstate, "22"))
        all.skipped.push_back("frame " + frame_of(line) + ": " + st.message);
      else if (st.kind != Status::OK)
        return st;
    }
    return all;
  }

  void disconnect() override {
    if (conn_) {
      PQfinish(conn_);
      conn_ = nullptr;
    }
  }

private:
  Status insert(const std::vector<std::string> &lines) {
    joined_.clear();
    for (const std::string &l : lines) {
      if (!joined_.empty())
        joined_ += '\n';
      joined_ += l;
    }
    const char *params[2] = {cfg_.run.c_str(), joined_.c_str()};
    PGresult *r = PQexecPrepared(conn_, "tsexport_insert", 2, params, nullptr, nullptr, 0);
    Status st = result_status(r, PGRES_TUPLES_OK);
    if (st.kind == Status::OK)
      GST_LOG("%zu lines, %s new frames", lines.size(), PQgetvalue(r, 0, 0));
    PQclear(r);
    return st;
  }

  Status exec(const char *sql) {
    PGresult *r = PQexec(conn_, sql);
    ExecStatusType want = PQresultStatus(r) == PGRES_TUPLES_OK ? PGRES_TUPLES_OK : PGRES_COMMAND_OK;
    Status st = result_status(r, want);
    PQclear(r);
    return st;
  }

  /* A statement's outcome: a lost connection, a server shutting down, a deadlock, a full disk or
   * a cancelled statement (statement_timeout, pg_cancel_backend) is worth another attempt;
   * anything else (a missing column, no permission, a value the column cannot take…) is not. */
  Status result_status(PGresult *r, ExecStatusType want) {
    if (r && PQresultStatus(r) == want)
      return Status::ok();
    std::string why = one_line(r ? PQresultErrorMessage(r) : PQerrorMessage(conn_));
    if (why.empty())
      why = one_line(PQerrorMessage(conn_));
    if (starts_with(why, "ERROR: "))
      why = why.substr(7);
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
    std::string code = state ? state : "";
    if (PQstatus(conn_) != CONNECTION_OK || code.empty())
      return Status::retry(why, true);
    if (starts_with(code, "08") || starts_with(code, "57P") || starts_with(code, "53") || code == "40001" ||
        code == "40P01" || code == "57014" /* query_canceled */ ||
        code == "25006" /* read-only: a standby being promoted */) {
      Status st = Status::retry(why, starts_with(code, "08") || starts_with(code, "57P"));
      st.sqlstate = code;
      return st;
    }
    Status st = Status::fatal(why + " (SQLSTATE " + code + ")");
    st.sqlstate = code;
    return st;
  }

  /* libpq reports a failed connection as text (no SQLSTATE): the server's refusals that another
   * attempt cannot mend are told by their FATAL message; the rest (refused, timed out, the
   * server starting up or shutting down, too many clients) are retried. */
  Status classify_connect_error(const std::string &text) {
    std::string why = text;
    /* "connection to server at "127.0.0.1", port 5432 failed: FATAL: …" -> "FATAL: …" */
    auto failed = why.find(" failed: ");
    if (starts_with(why, "connection to server") && failed != std::string::npos)
      why = why.substr(failed + 9);
    auto has = [&](const char *s) { return text.find(s) != std::string::npos; };
    std::string user = user_.empty() ? "" : " \"" + user_ + "\"";
    if (has("password authentication failed") || has("authentication failed for user"))
      return Status::fatal(describe() + " refused the login of user" + user + " (" + why +
                           "): check the user name and password in the database property, or in "
                           "database-password-file");
    if (has("no password supplied") || has("password is required"))
      return Status::fatal(describe() + " requires a password for user" + user + " (" + why +
                           "): put it in the database property (postgresql://user:password@host/db), in "
                           "database-password-file or in ~/.pgpass");
    if (has("database \"") && has("\" does not exist"))
      return Status::fatal(describe() + ": " + why + ": create it (createdb " + dbname_ +
                           ") or name an existing one in the database property");
    if (has("role \"") && has("\" does not exist"))
      return Status::fatal(describe() + ": " + why + ": name an existing user in the database property");
    if (has("no pg_hba.conf entry"))
      return Status::fatal(describe() + " does not let this client in (" + why +
                           "): allow it in the server's pg_hba.conf or change the database property");
    if (has("SSL was required") || has("server does not support SSL") || has("certificate"))
      return Status::fatal(describe() + ": " + why + ": check sslmode and the certificates in the database property");
    if (has("permission denied for database"))
      return Status::fatal(describe() + ": " + why + ": grant CONNECT, or use another user in the database property");
    return Status::retry(why);
  }

  const DatabaseWriterConfig &cfg_;
  PGconn *conn_ = nullptr;
  std::string host_, port_, dbname_, user_;
  std::string joined_;
};

#endif /* TSVISION_HAVE_LIBPQ */

#if TSVISION_HAVE_SQLITE

/* SQLite: one transaction per batch; each line's top-level fields read once (json_each), the
 * objects and events expanded from their arrays by json_each/json_extract. */
static const char *const kSqliteSchema =
    "CREATE TABLE IF NOT EXISTS frames ("
    " run TEXT NOT NULL, source TEXT, frame INTEGER NOT NULL, pts INTEGER, time TEXT NOT NULL,"
    " width INTEGER, height INTEGER, object_count INTEGER NOT NULL,"
    " tags TEXT, classifications TEXT, counts TEXT, motion TEXT,"
    " PRIMARY KEY (run, frame));"
    "CREATE INDEX IF NOT EXISTS frames_source_time ON frames (source, time);"
    "CREATE TABLE IF NOT EXISTS objects ("
    " run TEXT NOT NULL, source TEXT, frame INTEGER NOT NULL, pts INTEGER, time TEXT NOT NULL,"
    " track_id INTEGER, label TEXT, label_id INTEGER, confidence REAL,"
    " x REAL, y REAL, width REAL, height REAL, predicted INTEGER NOT NULL, interpolated INTEGER NOT NULL,"
    " classifications TEXT, keypoints TEXT, rotation TEXT, mask TEXT);"
    "CREATE INDEX IF NOT EXISTS objects_source_track_frame ON objects (source, track_id, frame);"
    "CREATE INDEX IF NOT EXISTS objects_source_time ON objects (source, time);"
    "CREATE TABLE IF NOT EXISTS events ("
    " run TEXT NOT NULL, source TEXT, frame INTEGER NOT NULL, pts INTEGER, time TEXT NOT NULL,"
    " type TEXT, rule TEXT, track_id INTEGER, label TEXT, direction TEXT, data TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS events_source_time ON events (source, time);";

#define SQLITE_OBJECT_VALUES                                                                                     \
  "json_extract(value, '$.track_id'), json_extract(value, '$.label'), json_extract(value, '$.class_id'), "      \
  "json_extract(value, '$.confidence'), json_extract(value, '$.box.x'), json_extract(value, '$.box.y'), "       \
  "json_extract(value, '$.box.width'), json_extract(value, '$.box.height'), "                                  \
  "coalesce(json_extract(value, '$.predicted'), 0), coalesce(json_extract(value, '$.interpolated'), 0), "      \
  "json_extract(value, '$.classifications'), json_extract(value, '$.keypoints'), "                            \
  "json_extract(value, '$.rotation'), json_extract(value, '$.mask')"

/* The line's fields, by name, in the order of kSqliteFields: bound as ?1… of the statements. */
static const char *const kSqliteFields[] = {"source", "frame",  "pts",    "time",   "width",       "height",
                                            "tags",   "counts", "motion", "objects", "past_objects", "events",
                                            "classifications"};
enum { F_SOURCE, F_FRAME, F_PTS, F_TIME, F_WIDTH, F_HEIGHT, F_TAGS, F_COUNTS, F_MOTION, F_OBJECTS, F_PAST, F_EVENTS,
       F_CLASSIFICATIONS, F_COUNT };

/* ?1-?13 the fields above, ?14 the run. */
static const char *const kSqliteFrameInsert =
    "INSERT OR IGNORE INTO frames (" FRAME_COLUMNS ") VALUES (?14, ?1, ?2, ?3, ?4, ?5, ?6, "
    "coalesce(json_array_length(?10), 0), ?7, ?13, ?8, ?9)";
static const char *const kSqliteObjectInsert =
    "INSERT INTO objects (" OBJECT_COLUMNS ") SELECT ?14, ?1, ?2, ?3, ?4, " SQLITE_OBJECT_VALUES
    " FROM json_each(?10)";
static const char *const kSqlitePastInsert =
    "INSERT INTO objects (" OBJECT_COLUMNS ") SELECT ?14, ?1, json_extract(value, '$.frame'), "
    "json_extract(value, '$.pts'), ?4, " SQLITE_OBJECT_VALUES " FROM json_each(?11)";
static const char *const kSqliteEventInsert =
    "INSERT INTO events (" EVENT_COLUMNS ") SELECT ?14, ?1, ?2, ?3, ?4, json_extract(value, '$.type'), "
    "coalesce(json_extract(value, '$.line'), json_extract(value, '$.zone')), json_extract(value, '$.track_id'), "
    "json_extract(value, '$.label'), json_extract(value, '$.direction'), value FROM json_each(?12)";
static const char *const kSqliteFields_ = "SELECT key, value FROM json_each(?1)";

class SqliteBackend : public Backend {
public:
  SqliteBackend(const DatabaseWriterConfig &cfg) : cfg_(cfg) {}
  ~SqliteBackend() override { disconnect(); }

  std::string describe() const override { return "the SQLite database \"" + cfg_.target + "\""; }

  Status connect() override {
    disconnect();
    int rc = sqlite3_open_v2(cfg_.target.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    if (rc != SQLITE_OK) {
      std::string why = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
      disconnect();
      return Status::fatal("cannot open " + describe() + ": " + why);
    }
    sqlite3_busy_timeout(db_, 5000); /* another writer holding the lock */
    /* WAL: readers (sqlite3, a dashboard) do not block the writer, nor it them. */
    Status st = exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
    if (st.kind == Status::OK)
      st = exec(kSqliteSchema);
    if (st.kind != Status::OK) {
      st.message = "cannot create the tables in " + describe() + ": " + st.message;
      disconnect();
      return st;
    }
    const std::pair<sqlite3_stmt **, const char *> statements[] = {
        {&fields_, kSqliteFields_},      {&frame_, kSqliteFrameInsert}, {&objects_, kSqliteObjectInsert},
        {&past_, kSqlitePastInsert},      {&events_, kSqliteEventInsert}};
    for (const auto &[stmt, sql] : statements) {
      if (sqlite3_prepare_v2(db_, sql, -1, stmt, nullptr) != SQLITE_OK) {
        std::string why = sqlite3_errmsg(db_);
        disconnect();
        return Status::fatal("the tables frames, objects or events of " + describe() +
                             " do not have the columns tsexport writes (made by something else?): " + why);
      }
    }
    return Status::ok();
  }

  Status write(const std::vector<std::string> &lines) override {
    Status st = exec("BEGIN IMMEDIATE");
    if (st.kind != Status::OK)
      return st;
    for (const std::string &line : lines) {
      st = write_line(line);
      if (st.kind != Status::OK) {
        exec("ROLLBACK");
        return st;
      }
    }
    st = exec("COMMIT");
    if (st.kind != Status::OK)
      exec("ROLLBACK");
    return st;
  }

  void disconnect() override {
    for (sqlite3_stmt **s : {&fields_, &frame_, &objects_, &past_, &events_}) {
      sqlite3_finalize(*s);
      *s = nullptr;
    }
    if (db_) {
      sqlite3_close_v2(db_);
      db_ = nullptr;
    }
  }

private:
  Status error(int rc) {
    std::string why = sqlite3_errmsg(db_);
    int primary = rc & 0xff;
    if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED || primary == SQLITE_FULL || primary == SQLITE_IOERR)
      return Status::retry(why);
    return Status::fatal(why);
  }

  Status exec(const char *sql) {
    int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
    return rc == SQLITE_OK ? Status::ok() : error(rc);
  }

  Status step(sqlite3_stmt *stmt) {
    int rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? Status::ok() : error(rc);
  }

  /* The line's top-level fields (one parse), bound to each statement by position. */
  Status write_line(const std::string &line) {
    sqlite3_bind_text(fields_, 1, line.data(), (int)line.size(), SQLITE_STATIC);
    sqlite3_value *values[F_COUNT] = {};
    int rc;
    while ((rc = sqlite3_step(fields_)) == SQLITE_ROW) {
      const char *key = (const char *)sqlite3_column_text(fields_, 0);
      for (int i = 0; key && i < F_COUNT; i++)
        if (!strcmp(key, kSqliteFields[i])) {
          sqlite3_value_free(values[i]);
          values[i] = sqlite3_value_dup(sqlite3_column_value(fields_, 1));
        }
    }
    sqlite3_reset(fields_);
    sqlite3_clear_bindings(fields_);
    Status st = rc == SQLITE_DONE ? Status::ok() : error(rc);
    if (st.kind == Status::OK) {
      for (sqlite3_stmt *s : {frame_, objects_, past_, events_}) {
        for (int i = 0; i < F_COUNT; i++) {
          if (values[i])
            sqlite3_bind_value(s, i + 1, values[i]);
          else
            sqlite3_bind_null(s, i + 1);
        }
        sqlite3_bind_text(s, 14, cfg_.run.data(), (int)cfg_.run.size(), SQLITE_STATIC);
      }
      st = step(frame_);
      /* A frame already there (a batch sent again): its objects and events are too. */
      if (st.kind == Status::OK && sqlite3_changes(db_) > 0)
        for (sqlite3_stmt *s : {objects_, past_, events_}) {
          if ((st = step(s)).kind != Status::OK)
            break;
        }
    }
    for (sqlite3_value *v : values)
      sqlite3_value_free(v);
    return st;
  }

  const DatabaseWriterConfig &cfg_;
  sqlite3 *db_ = nullptr;
  sqlite3_stmt *fields_ = nullptr, *frame_ = nullptr, *objects_ = nullptr, *past_ = nullptr, *events_ = nullptr;
};

#endif /* TSVISION_HAVE_SQLITE */

bool database_parse(const std::string &text, DatabaseKind &kind, std::string &target, std::string &error) {
  if (starts_with(text, "sqlite:")) {
    kind = DatabaseKind::SQLITE;
    target = text.substr(7);
    if (starts_with(target, "//")) { /* sqlite:///abs/path, as SQLAlchemy writes it */
      target = target.substr(2);
    }
#if !TSVISION_HAVE_SQLITE
    error = "this build of tsvision has no SQLite support (build it with libsqlite3-dev installed)";
    return false;
#endif
    if (target.empty()) {
      error = "no path after sqlite: (e.g. sqlite:/var/lib/tsvision/results.db)";
      return false;
    }
    gchar *dir = g_path_get_dirname(target.c_str());
    bool ok = g_file_test(dir, G_FILE_TEST_IS_DIR);
    if (!ok)
      error = std::string("the directory \"") + dir + "\" of the SQLite file does not exist: create it first";
    g_free(dir);
    return ok;
  }
  kind = DatabaseKind::POSTGRESQL;
  target = text;
#if TSVISION_HAVE_LIBPQ
  bool uri = starts_with(text, "postgresql://") || starts_with(text, "postgres://");
  if (!uri && text.find('=') == std::string::npos) {
    error = "expected postgresql://user@host:port/dbname, a libpq key=value connection string (host=… "
            "dbname=…) or sqlite:PATH";
    return false;
  }
  char *message = nullptr;
  PQconninfoOption *opts = PQconninfoParse(text.c_str(), &message);
  if (!opts) {
    if (!uri) {
      /* libpq's message quotes a token of the string, which may be a piece of its password
       * (password=pa ss: missing "=" after "ss"): none of it is passed on. */
      PQfreemem(message);
      error = "libpq cannot parse the key=value connection string: write it as key=value pairs separated by "
              "spaces, a value with spaces or quotes in single quotes with \\' and \\\\ escaped "
              "(host=db.example dbname=tsv password='pa ss')";
      return false;
    }
    error = message ? one_line(message) : "libpq cannot parse it";
    PQfreemem(message);
    /* libpq may quote a bad part of the value: never the URI's password. */
    auto scheme = text.find("://"), at = text.rfind('@');
    if (uri && at != std::string::npos && at > scheme) {
      std::string userinfo = text.substr(scheme + 3, at - scheme - 3);
      auto colon = userinfo.find(':');
      std::string password = colon == std::string::npos ? "" : userinfo.substr(colon + 1);
      for (size_t p; !password.empty() && (p = error.find(password)) != std::string::npos;)
        error.replace(p, password.size(), "***");
    }
    return false;
  }
  PQconninfoFree(opts);
  return true;
#else
  error = "this build of tsvision has no PostgreSQL support (build it with libpq-dev installed); sqlite:PATH "
          "may work";
  return false;
#endif
}

/* The password in the connection string or the password file, to keep out of every message. */
static std::string password_of(const DatabaseWriterConfig &cfg) {
  if (cfg.has_password)
    return cfg.password;
#if TSVISION_HAVE_LIBPQ
  std::string pw;
  if (cfg.kind == DatabaseKind::POSTGRESQL) {
    PQconninfoOption *opts = PQconninfoParse(cfg.target.c_str(), nullptr);
    for (PQconninfoOption *o = opts; o && o->keyword; o++)
      if (!strcmp(o->keyword, "password") && o->val)
        pw = o->val;
    if (opts)
      PQconninfoFree(opts);
  }
  return pw;
#else
  return "";
#endif
}

/* ---- the writer thread ------------------------------------------------------------------------- */

struct DatabaseWriter::Core {
  DatabaseWriterConfig cfg;
  std::unique_ptr<Backend> backend;
  std::string secret; /* replaced by *** in messages */
  std::thread thread;

  /* Shared with the streaming thread (write, flush) and stop(). */
  std::mutex mu;
  std::condition_variable wake_cv;    /* the writer thread waits on it */
  std::condition_variable settled_cv; /* flush() waits on it */
  std::deque<std::string> pending;    /* not yet handed to the database, oldest first */
  size_t inflight = 0;                /* lines of the batch being written (not in `pending`) */
  uint64_t dropped_unreported = 0;
  uint64_t dropped_total = 0;
  bool failed = false;
  bool hurry = false; /* flush(): connect now rather than at the next backoff step */
  uint64_t failed_attempts = 0; /* connection attempts that failed: flush() does not wait past one */
  bool stop_requested = false;
  Clock::time_point stop_deadline;

  std::mutex done_mu;
  std::condition_variable done_cv;
  bool done = false;

  std::mutex event_mu;
  OutputEventCallback on_event;

  void emit(OutputEventLevel level, std::string message) {
    if (!secret.empty())
      for (size_t at; (at = message.find(secret)) != std::string::npos;)
        message.replace(at, secret.size(), "***");
    std::lock_guard<std::mutex> lock(event_mu);
    if (on_event)
      on_event(level, message);
  }

  bool enqueue(std::string line) {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (failed)
        return false;
      pending.push_back(std::move(line));
      /* The batch being written is out of the queue: it is not what the bound is for. */
      while (pending.size() > cfg.queue_size) {
        pending.pop_front();
        dropped_unreported++;
        dropped_total++;
      }
    }
    wake_cv.notify_one();
    return true;
  }

  void run();
};

void DatabaseWriter::Core::run() {
  pthread_setname_np(pthread_self(), "tsexport-db");
  const std::string where = " (property database)";
  const std::string queued_note = "results are queued (at most database-queue-size=" +
                                  std::to_string(cfg.queue_size) + ") and written once it is reachable";
  Backoff backoff;
  Clock::time_point next_attempt = Clock::now();
  Clock::time_point last_drop_report;
  bool connected = false, ever_connected = false, outage_reported = false, final_attempt = false;
  bool outage_ended = false; /* the next successful write reports what the outage dropped */
  bool flush_attempt = false; /* this connection attempt is flush()'s (at EOS) */
  std::vector<std::string> batch;

  auto report_drops = [&](bool force) {
    uint64_t n;
    {
      std::lock_guard<std::mutex> lock(mu);
      n = dropped_unreported;
      if (!n || !(force || outage_ended || Clock::now() - last_drop_report >= kDropReportInterval))
        return;
      dropped_unreported = 0;
    }
    emit(OutputEventLevel::WARNING,
         "Dropped the oldest " + std::to_string(n) + " results: " + backend->describe() +
             (outage_ended || !connected ? " was unreachable" : " did not keep up") + " and database-queue-size (" +
             std::to_string(cfg.queue_size) + ") was reached");
    last_drop_report = Clock::now();
  };
  auto give_up = [&](const std::string &why) {
    size_t unsent;
    {
      std::lock_guard<std::mutex> lock(mu);
      failed = true;
      unsent = pending.size() + inflight;
      pending.clear();
      inflight = 0;
    }
    settled_cv.notify_all();
    emit(OutputEventLevel::ERROR, why + "; not retrying: nothing more is written to the database" +
                                      (unsent ? " (" + std::to_string(unsent) + " queued results dropped)" : ""));
  };

  for (;;) {
    bool stopping;
    Clock::time_point deadline;
    {
      std::unique_lock<std::mutex> lock(mu);
      for (;;) {
        if (stop_requested)
          break;
        if (hurry) {
          hurry = false;
          if (!connected && !pending.empty()) {
            next_attempt = Clock::now();
            flush_attempt = true;
          }
        }
        if (!pending.empty() && (connected || Clock::now() >= next_attempt))
          break;
        if (pending.empty())
          wake_cv.wait(lock);
        else
          wake_cv.wait_until(lock, next_attempt);
      }
      stopping = stop_requested;
      deadline = stop_deadline;
      if (stopping && pending.empty())
        break;
    }
    Clock::time_point now = Clock::now();
    if (stopping) {
      if (now >= deadline)
        break;
      if (!connected) {
        if (final_attempt)
          break; /* still unreachable: don't wait for it */
        final_attempt = true;
        next_attempt = now;
      }
    }

    if (!connected) {
      if (now < next_attempt) {
        std::unique_lock<std::mutex> lock(mu);
        wake_cv.wait_until(lock, std::min(next_attempt, stopping ? deadline : next_attempt));
        continue;
      }
      Status st = backend->connect();
      if (st.kind == Status::FATAL) {
        std::string why = st.message;
        if (why.find("database property") == std::string::npos && why.find("(property database)") == std::string::npos)
          why = "Cannot use " + backend->describe() + where + ": " + why;
        if (!why.empty() && why[0] >= 'a' && why[0] <= 'z')
          why[0] = (char)(why[0] - 'a' + 'A');
        give_up(why);
        break;
      }
      if (st.kind == Status::RETRY) {
        if (!outage_reported)
          emit(OutputEventLevel::WARNING, std::string(ever_connected ? "Cannot reconnect" : "Cannot connect") +
                                              " to " + backend->describe() + where + ": " + st.message + "; " +
                                              queued_note + "; retrying");
        else
          emit(OutputEventLevel::DEBUG, backend->describe() + ": " + st.message + "; retrying in " +
                                            std::to_string(backoff.peek().count()) + " ms");
        outage_reported = true;
        next_attempt = Clock::now() + backoff.next();
        if (flush_attempt && !stopping) {
          /* At EOS, while the application still reads the bus: what this outage cost so far. */
          flush_attempt = false;
          report_drops(true);
          size_t n;
          {
            std::lock_guard<std::mutex> lock(mu);
            n = pending.size();
          }
          emit(OutputEventLevel::WARNING, "At the end of the stream " + std::to_string(n) +
                                              " results are not written to " + backend->describe() +
                                              where + ": it is unreachable; one more attempt at stop");
        }
        {
          /* After the warnings: flush() returns on it, and EOS goes on. */
          std::lock_guard<std::mutex> lock(mu);
          failed_attempts++;
        }
        settled_cv.notify_all();
        continue;
      }
      connected = true;
      flush_attempt = false;
      backoff.reset();
      size_t n;
      {
        std::lock_guard<std::mutex> lock(mu);
        n = pending.size();
      }
      if (outage_reported) {
        emit(OutputEventLevel::INFO, std::string(ever_connected ? "Reconnected" : "Connected") + " to " +
                                         backend->describe() + "; writing " + std::to_string(n) + " queued results");
        outage_ended = true;
      } else {
        emit(OutputEventLevel::DEBUG, "Connected to " + backend->describe());
      }
      ever_connected = true;
      outage_reported = false;
    }

    {
      std::lock_guard<std::mutex> lock(mu);
      size_t n = std::min(cfg.batch_size, pending.size());
      for (size_t i = 0; i < n; i++) {
        batch.push_back(std::move(pending.front()));
        pending.pop_front();
      }
      inflight = n;
    }
    if (batch.empty())
      continue;
    const Clock::time_point started = Clock::now();
    Status st = backend->write(batch);
    if (st.kind == Status::OK) {
      GST_DEBUG("wrote %zu results in %.1f ms", batch.size(),
                std::chrono::duration<double, std::milli>(Clock::now() - started).count());
      for (const std::string &why : st.skipped)
        emit(OutputEventLevel::WARNING, "Skipped the results of " + why + ": " + backend->describe() + where +
                                            " cannot take them; the other results are written");
      batch.clear();
      {
        std::lock_guard<std::mutex> lock(mu);
        inflight = 0;
      }
      settled_cv.notify_all();
      report_drops(false);
      outage_ended = false;
      continue;
    }
    if (st.kind == Status::FATAL) {
      give_up("Cannot write the results to " + backend->describe() + where + ": " + st.message);
      break;
    }
    /* Again after reconnecting: the batch goes back to the front, in order. */
    backend->disconnect();
    connected = false;
    {
      std::lock_guard<std::mutex> lock(mu);
      for (auto it = batch.rbegin(); it != batch.rend(); ++it)
        pending.push_front(std::move(*it));
      inflight = 0;
    }
    batch.clear();
    emit(OutputEventLevel::WARNING, std::string(st.lost_connection ? "Lost the connection to " : "Cannot write to ") +
                                        backend->describe() + where + ": " + st.message + "; reconnecting; " +
                                        queued_note);
    outage_reported = true;
    backoff.reset();
    next_attempt = Clock::now() + backoff.next();
  }

  backend->disconnect();
  size_t undelivered;
  bool gave_up;
  {
    std::lock_guard<std::mutex> lock(mu);
    undelivered = pending.size() + batch.size();
    gave_up = failed;
    pending.clear();
    inflight = 0;
  }
  if (!gave_up) {
    report_drops(true);
    if (undelivered)
      emit(OutputEventLevel::WARNING, std::to_string(undelivered) + " results were not written to " +
                                          backend->describe() + " before stopping: it " +
                                          (connected ? "did not keep up" : "was unreachable"));
  }
  settled_cv.notify_all();
  {
    std::lock_guard<std::mutex> lock(done_mu);
    done = true;
  }
  done_cv.notify_all();
}

DatabaseWriter::DatabaseWriter(std::shared_ptr<Core> core) : core_(std::move(core)) {}

std::unique_ptr<DatabaseWriter> DatabaseWriter::start(const DatabaseWriterConfig &config, OutputEventCallback on_event,
                                                      std::string &error) {
  database_writer_debug_init();
  auto core = std::make_shared<Core>();
  core->cfg = config;
  core->cfg.queue_size = std::max<size_t>(1, config.queue_size);
  core->cfg.batch_size = std::max<size_t>(1, std::min(config.batch_size, core->cfg.queue_size));
  core->secret = password_of(core->cfg);
  switch (config.kind) {
  case DatabaseKind::POSTGRESQL:
#if TSVISION_HAVE_LIBPQ
    core->backend = std::make_unique<PostgresBackend>(core->cfg);
#endif
    break;
  case DatabaseKind::SQLITE:
#if TSVISION_HAVE_SQLITE
    core->backend = std::make_unique<SqliteBackend>(core->cfg);
#endif
    break;
  }
  if (!core->backend) {
    error = "this build of tsvision has no support for that database";
    return nullptr;
  }
  if (config.kind == DatabaseKind::SQLITE) {
    /* A local file: whether it can be opened and written is known now. */
    Status st = core->backend->connect();
    if (st.kind != Status::OK) {
      error = st.message;
      return nullptr;
    }
    core->backend->disconnect(); /* opened again by the writer thread, which owns it */
  }
  core->on_event = std::move(on_event);
  GST_INFO("writing to %s, run %s, queue %zu, batches of %zu", core->backend->describe().c_str(),
           core->cfg.run.c_str(), core->cfg.queue_size, core->cfg.batch_size);
  if (!start_output_thread(core, "database writer", error))
    return nullptr;
  return std::unique_ptr<DatabaseWriter>(new DatabaseWriter(core));
}

bool DatabaseWriter::write(std::string line) { return core_->enqueue(std::move(line)); }

bool DatabaseWriter::flush() {
  std::unique_lock<std::mutex> lock(core_->mu);
  core_->hurry = true;
  const uint64_t attempts = core_->failed_attempts;
  core_->wake_cv.notify_one();
  /* Until written, or until a connection attempt made meanwhile failed: the server is away, and
   * waiting for its return is not for EOS to do (what is queued is tried again at stop). */
  core_->settled_cv.wait_for(lock, milliseconds(core_->cfg.flush_timeout_ms), [&] {
    return (core_->pending.empty() && core_->inflight == 0) || core_->failed || core_->stop_requested ||
           core_->failed_attempts > attempts;
  });
  return core_->pending.empty() && core_->inflight == 0;
}

void DatabaseWriter::stop() {
  if (!core_ || !core_->thread.joinable())
    return;
  Core &core = *core_;
  stop_output_thread(core, milliseconds(core.cfg.flush_timeout_ms), kStopGrace, [&core] {
    core.wake_cv.notify_all();
    core.settled_cv.notify_all();
  });
}

DatabaseWriter::~DatabaseWriter() { stop(); }

} // namespace tsv
