#pragma once

#include <QHash>
#include <QList>
#include <QMutex>
#include <QThreadPool>

namespace pds {

class Database;
struct DbError;

// Gives new CRM users their random password's bcrypt hash off the sync's critical path. bcrypt at
// Devise's cost 12 takes about 0.2 s a hash here on purpose; the sync inserts new users with
// Devise's empty encrypted_password (no login possible) and hands their ids here. The hashes are
// computed on pool threads while the other entities sync, and written back by the engine's
// thread in its own transactions (apply) — each password random, from a CSPRNG, never stored,
// shown or logged.
class PasswordHasher
{
public:
    explicit PasswordHasher(int cost, int threads = 0);
    ~PasswordHasher(); // waits for running hashes (a few hundred ms at most)

    void hash(qint64 userId);
    int pending() const;

    // Writes the finished hashes (only over an empty encrypted_password). Call in a transaction.
    // Returns how many rows were written, or -1 and *error. They are kept until committed():
    // rolledBack() (the transaction they were written in rolled back) makes them finished again.
    int apply(Database &db, DbError *error);
    void committed();
    void rolledBack();
    // Drops the hashes not started yet (a cancelled run); their users keep an empty password
    // until the next run.
    void abandon();
    // Blocks the calling (worker) thread until every started hash is computed.
    void waitForAll();

    // Users this tool mapped whose encrypted_password is still empty: a killed run's leftovers.
    static QList<qint64> usersWithoutPassword(Database &db, DbError *error);

private:
    int m_cost;
    QThreadPool m_pool;
    mutable QMutex m_mutex;
    QHash<qint64, QString> m_done;
    QHash<qint64, QString> m_applied; // written, not committed yet (the engine's thread only)
    int m_running = 0;
};

} // namespace pds
