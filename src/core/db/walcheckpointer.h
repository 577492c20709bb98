#pragma once

#include "db/databaseconfig.h"

#include <QThread>

#include <atomic>
#include <memory>

namespace pds {

class Database;

// Checkpoints a SQLite database's write-ahead log on a thread and a connection of its own, so
// that the writer's commits do not: SQLite checkpoints in the committing thread, and on the sync
// thread every checkpoint copied the log's pages into the database file and waited for
// fdatasync() inside a commit.
class WalCheckpointer
{
public:
    // Opens the connection (in its thread); isReady() tells if it could.
    explicit WalCheckpointer(const DatabaseConfig &config);
    ~WalCheckpointer(); // waits for a checkpoint running, closes the connection, stops the thread
    WalCheckpointer(const WalCheckpointer &) = delete;
    WalCheckpointer &operator=(const WalCheckpointer &) = delete;

    bool isReady() const { return m_ready; }
    // From now on the writer's commits ask this thread for a checkpoint once the log holds
    // AskFrom frames (SQLite's own threshold), and checkpoint themselves past WriterFrom (a
    // checkpointer that cannot keep up must not let the log grow without bound). Stop watching
    // (Database::setWalHook({})) before this object goes.
    void watch(Database &writer);
    int checkpoints() const { return m_checkpoints; } // done on this thread so far

    static constexpr int AskFrom = 1000;
    static constexpr int WriterFrom = 8 * AskFrom;

private:
    void ask(); // any thread

    QThread m_thread;
    QObject *m_context = nullptr; // lives in m_thread
    std::unique_ptr<Database> m_db; // used in m_thread only
    bool m_ready = false;
    std::atomic<bool> m_asked = false;
    std::atomic<int> m_checkpoints = 0;
};

} // namespace pds
