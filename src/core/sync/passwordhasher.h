#pragma once

#include <QHash>
#include <QList>

#include <memory>

namespace pds {

class Database;
struct DbError;

// Gives new CRM users their random password's bcrypt hash off the sync's critical path. bcrypt at
// Devise's cost 12 takes about 0.2 s a hash here on purpose; the sync inserts new users with
// Devise's empty encrypted_password (no login possible) and hands their ids here. The hashes are
// computed on threads of their own while the other entities sync, and written back by the engine's
// thread in its own transactions (apply) — each password random, from a CSPRNG, never stored,
// shown or logged.
//
// While the sync runs, the hashes are made by background threads at idle priority (SCHED_IDLE:
// runWhenIdle()), so that they take no core the sync's own threads could use; at cost 4 they
// took one of this 2-core machine's cores for most of the organizations' pass. Such a thread
// cannot be given its priority back, so waitForAll() does not wait for them: what is still
// queued, and what they are hashing then, is hashed again by normal threads, on every core; the
// first hash of a user to finish is the one kept.
class PasswordHasher
{
public:
    // `threads`: background threads (0: one less than the cores, at least one; -1: none, so that
    // waitForAll() makes every hash).
    explicit PasswordHasher(int cost, int threads = 0);
    // Does not wait: background threads finish the hash they are making, drop it and stop.
    ~PasswordHasher();

    void hash(qint64 userId);
    int pending() const;

    // Writes the finished hashes (only over an empty encrypted_password). Call in a transaction.
    // Returns how many rows were written, or -1 and *error. They are kept until committed():
    // rolledBack() (the transaction they were written in rolled back) makes them finished again.
    int apply(Database &db, DbError *error);
    void committed();
    void rolledBack();
    // Drops the hashes not finished yet (a cancelled run); their users keep an empty password
    // until the next run.
    void abandon();
    // Blocks the calling (worker) thread until every user handed over has a hash (or was
    // abandoned), made at normal priority on every core where the background threads had not
    // made it yet. hash() must not be called after it.
    void waitForAll();

    // Users this tool mapped whose encrypted_password is still empty: a killed run's leftovers.
    static QList<qint64> usersWithoutPassword(Database &db, DbError *error);

private:
    struct Shared; // what the background threads share with this object: it may outlive it
    static void background(const std::shared_ptr<Shared> &shared);

    std::shared_ptr<Shared> m_shared;
    int m_threads; // background threads to start
    int m_started = 0; // ... started (on the first hashes)
    QHash<qint64, QString> m_applied; // written, not committed yet (the engine's thread only)
};

} // namespace pds
