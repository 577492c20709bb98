#include "passwordhasher.h"

#include "threadpolicy.h"

#include "db/database.h"
#include "mapping/passwordhash.h"

#include <QSqlQuery>

namespace pds {

PasswordHasher::PasswordHasher(int cost, int threads)
    : m_cost(cost)
{
    // One core stays with the sync (and the database) unless told otherwise.
    m_pool.setMaxThreadCount(threads > 0 ? threads : qMax(1, QThread::idealThreadCount() - 1));
}

PasswordHasher::~PasswordHasher()
{
    m_pool.waitForDone();
}

void PasswordHasher::hash(qint64 userId)
{
    {
        QMutexLocker lock(&m_mutex);
        ++m_running;
    }
    const int cost = m_cost;
    m_pool.start([this, userId, cost] {
        serveOtherThreads(); // the pool's threads work beside the sync thread
        const QString hash
            = QString::fromLatin1(mapping::bcryptHash(mapping::randomPassword(), cost));
        QMutexLocker lock(&m_mutex);
        --m_running;
        if (!hash.isEmpty())
            m_done.insert(userId, hash);
    });
}

int PasswordHasher::pending() const
{
    QMutexLocker lock(&m_mutex);
    return m_running + int(m_done.size());
}

int PasswordHasher::apply(Database &db, DbError *error)
{
    QHash<qint64, QString> done;
    {
        QMutexLocker lock(&m_mutex);
        done.swap(m_done);
    }
    // Written or not, they go back with the transaction should it roll back.
    m_applied.insert(done);
    int written = 0;
    for (auto it = done.cbegin(); it != done.cend(); ++it) {
        QSqlQuery *q
            = db.prepared(QStringLiteral("UPDATE users SET encrypted_password = ? WHERE id = ? "
                                         "AND encrypted_password = ''"),
                error);
        if (!q)
            return -1;
        q->bindValue(0, it.value());
        q->bindValue(1, it.key());
        if (!db.exec(*q, error))
            return -1;
        written += q->numRowsAffected() > 0 ? 1 : 0;
        q->finish();
    }
    return written;
}

void PasswordHasher::committed()
{
    m_applied.clear();
}

void PasswordHasher::rolledBack()
{
    QMutexLocker lock(&m_mutex);
    m_done.insert(std::exchange(m_applied, {}));
}

void PasswordHasher::abandon()
{
    m_pool.clear();
    QMutexLocker lock(&m_mutex);
    m_running = 0;
}

void PasswordHasher::waitForAll()
{
    // Nothing else runs now: every core hashes what is left.
    m_pool.setMaxThreadCount(qMax(1, QThread::idealThreadCount()));
    m_pool.waitForDone();
}

QList<qint64> PasswordHasher::usersWithoutPassword(Database &db, DbError *error)
{
    QList<qint64> ids;
    QSqlQuery *q
        = db.prepared(QStringLiteral("SELECT u.id FROM users u JOIN pipedrive_mappings m ON "
                                     "m.rails_id = u.id AND m.pipedrive_type = 'User' WHERE "
                                     "u.encrypted_password = '' ORDER BY u.id"),
            error);
    if (!q || !db.exec(*q, error))
        return ids;
    while (q->next())
        ids << q->value(0).toLongLong();
    q->finish();
    return ids;
}

} // namespace pds
