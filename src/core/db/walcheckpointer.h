#pragma once

#include "db/databasethread.h"

#include <atomic>

namespace pds {

// Checkpoints a SQLite database's write-ahead log on a thread and a connection of its own, so
// that the writer's commits do not: SQLite checkpoints in the committing thread, and on the sync
// thread every checkpoint copied the log's pages into the database file and waited for
// fdatasync() inside a commit.
class WalCheckpointer
{
public:
    // Opens the connection (in its thread); isReady() tells if it could. Going, it gives the
    // writer it watches SQLite's own checkpoints back and waits for a checkpoint running.
    explicit WalCheckpointer(const DatabaseConfig &config);
    ~WalCheckpointer();
    WalCheckpointer(const WalCheckpointer &) = delete;
    WalCheckpointer &operator=(const WalCheckpointer &) = delete;

    bool isReady() const { return m_thread.isOpen(); }
    // From now on the writer's commits ask this thread for a checkpoint each time the log has
    // grown by askFrom frames (SQLite's own threshold), and checkpoint themselves past writerFrom
    // (a checkpointer that cannot keep up must not let the log grow without bound). The writer
    // must outlive this object.
    void watch(Database &writer, int askFrom = AskFrom, int writerFrom = WriterFrom);
    int checkpoints() const { return m_checkpoints; } // done on this thread so far
    int asks() const { return m_asks; } // checkpoints the writer asked for (its thread)
    // On the writer's thread, when it is done: a checkpoint of what it committed since the last
    // one asked for, however little, so that closing the writer finds nothing left to copy.
    void catchUp();

    static constexpr int AskFrom = 1000;
    static constexpr int WriterFrom = 8 * AskFrom;

private:
    void ask(); // any thread

    Database *m_writer = nullptr; // watched
    int m_askedAt = 0; // the log's frames when a checkpoint was last asked for (writer's thread)
    int m_lastFrames = 0; // after the writer's last commit
    int m_asks = 0;
    std::atomic<bool> m_asked = false;
    std::atomic<int> m_checkpoints = 0;
    DatabaseThread m_thread; // last: goes first, after the work posted to it
};

} // namespace pds
