/* tsexport's database output: each frame's JSON line (tsvision's schema) written as rows of the
 * tables `frames`, `objects` and `events` of a PostgreSQL (libpq) or SQLite database, by a writer
 * thread of its own, so that the streaming thread only ever enqueues.
 *
 * One source of truth: the rows are taken from the JSON line itself, by the database's own JSON
 * functions (PostgreSQL: jsonb, in one INSERT … SELECT per batch; SQLite: json_each/json_extract),
 * so they hold exactly what the JSON Lines of the same run hold. The schema (README, "Results in a
 * database") is created if missing.
 *
 * Delivery: lines are written in order, in batches of up to `batch_size` (one transaction each).
 * While the database is unreachable (down at start, restarting, network loss) lines are held up to
 * `queue_size`; beyond it the oldest are dropped and counted (one warning per outage saying how
 * many, once writing works again, or at stop). Reconnection is automatic with exponential backoff
 * (output-retry.h). A batch is written at most once per run: frames are keyed by (run, frame), and
 * a batch sent again after a connection lost during its commit skips the frames already there.
 *
 * Failures that another attempt cannot mend (the server refuses the login, the database does not
 * exist, the tables have other columns, an SQLite file that cannot be opened) are not retried: the
 * writer reports one ERROR event, drops what is queued and writes nothing more.
 */
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "output-retry.h"

namespace tsv {

enum class DatabaseKind { POSTGRESQL, SQLITE };

/* Registers the debug category `tsexport-database` (once; tsexport's class_init calls it). */
void database_writer_debug_init();

/* `database`: `sqlite:PATH` (SQLite), else a PostgreSQL URI (postgresql://… or postgres://…) or a
 * key=value connection string as libpq takes them. Returns false with a reason in `error`
 * (e.g. a URI libpq does not parse, an SQLite path in a directory that does not exist, a back-end
 * this build lacks). `target`: the path (SQLite) or the connection string (PostgreSQL). */
bool database_parse(const std::string &text, DatabaseKind &kind, std::string &target, std::string &error);

struct DatabaseWriterConfig {
  DatabaseKind kind = DatabaseKind::POSTGRESQL;
  std::string target;
  /* PostgreSQL: a password that overrides the connection string's (database-password-file). */
  std::string password;
  bool has_password = false;
  /* Tells this run's frames from other runs' (frame counts from 0 at each start). */
  std::string run;
  /* PostgreSQL's application_name unless the connection string sets one. */
  std::string application_name = "tsvision";
  size_t queue_size = 1000;
  size_t batch_size = 100;
  /* At stop and flush(): how long to keep writing what is queued before giving up. */
  int flush_timeout_ms = 5000;
};

class DatabaseWriter {
public:
  /* Starts the writer thread, which connects in the background (SQLite: the file is opened and the
   * schema created here, so that a path that cannot be written is an error at start). Returns
   * nullptr with a reason in `error` when the configuration is unusable; an unreachable server is
   * not an error (lines are queued, `on_event` is told). */
  static std::unique_ptr<DatabaseWriter> start(const DatabaseWriterConfig &config, OutputEventCallback on_event,
                                               std::string &error);
  ~DatabaseWriter(); /* stop() */

  /* Queues one JSON line (the streaming thread): a lock, a move and a notify; never waits for the
   * database. Drops the oldest queued line(s) beyond queue_size. Returns false (and queues nothing)
   * once the writer has given up on a permanent failure. */
  bool write(std::string line);

  /* Waits until everything queued so far is written (or dropped, or the writer gave up), at most
   * flush_timeout_ms; tries to connect at once if the database is away. Returns true when the queue
   * is empty. */
  bool flush();

  /* Writes what it can within flush_timeout_ms (trying once more to connect if the database is
   * away), then disconnects and ends the thread. Returns within about flush_timeout_ms + 1 s even if
   * the thread is stuck in a blocking call (it is then left to end on its own, and no event is
   * reported after stop() returns). Idempotent. */
  void stop();

  struct Core;

private:
  explicit DatabaseWriter(std::shared_ptr<Core> core);
  std::shared_ptr<Core> core_;
};

} // namespace tsv
