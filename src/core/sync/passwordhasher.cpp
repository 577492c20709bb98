#include "passwordhasher.h"

#include "threadpolicy.h"

#include "db/database.h"
#include "mapping/passwordhash.h"

#include <QMutex>
#include <QSet>
#include <QSqlQuery>
#include <QThread>
#include <QThreadPool>
#include <QWaitCondition>

#include <thread>

#if defined(Q_OS_LINUX)
#include <pthread.h>
#endif

namespace pds {

struct PasswordHasher::Shared
{
    explicit Shared(int c)
        : cost(c)
    { }
    // A user's hash, or an empty one if bcrypt failed (the user is hashed again next run).
    QString make() const
    {
        return QString::fromLatin1(mapping::bcryptHash(mapping::randomPassword(), cost));
    }
    // Whether a hash of the user is still wanted (none finished, nothing abandoned).
    bool wanted(qint64 userId) const { return !abandoned && !finished.contains(userId); }
    // A thread stopped hashing the user (with `hash`, or none if it did not start).
    void finish(qint64 userId, const QString &hash)
    {
        QMutexLocker lock(&mutex);
        if (--hashing[userId] <= 0)
            hashing.remove(userId);
        if (!hash.isEmpty() && wanted(userId)) {
            finished.insert(userId);
            done.insert(userId, hash);
        }
    }

    const int cost;
    QMutex mutex;
    QWaitCondition queuedOrClosed;
    QList<qint64> queued; // not taken by a thread yet
    QHash<qint64, int> hashing; // taken: by how many threads
    QHash<qint64, QString> done; // finished, not applied
    QSet<qint64> finished; // every user hashed once: a second hash of one is dropped
    bool closed = false; // the background threads take nothing more
    bool abandoned = false; // nothing more is wanted
};

PasswordHasher::PasswordHasher(int cost, int threads)
    : m_shared(std::make_shared<Shared>(cost))
    , m_threads(threads > 0 ? threads
              : threads < 0 ? 0
                            : qMax(1, QThread::idealThreadCount() - 1))
{ }

PasswordHasher::~PasswordHasher()
{
    QMutexLocker lock(&m_shared->mutex);
    m_shared->closed = true;
    m_shared->abandoned = true;
    m_shared->queuedOrClosed.wakeAll();
}

void PasswordHasher::background(const std::shared_ptr<Shared> &shared)
{
#if defined(Q_OS_LINUX)
    // Named, not the name of the thread that started it (the sync thread's, inherited).
    pthread_setname_np(pthread_self(), "pds-hash");
#endif
    if (!runWhenIdle())
        serveOtherThreads();
    for (;;) {
        qint64 userId = 0;
        {
            QMutexLocker lock(&shared->mutex);
            while (shared->queued.isEmpty() && !shared->closed)
                shared->queuedOrClosed.wait(&shared->mutex);
            if (shared->closed)
                return;
            userId = shared->queued.takeFirst();
            ++shared->hashing[userId];
        }
        shared->finish(userId, shared->make());
    }
}

void PasswordHasher::hash(qint64 userId)
{
    {
        QMutexLocker lock(&m_shared->mutex);
        m_shared->queued.append(userId);
        m_shared->queuedOrClosed.wakeOne();
    }
    // Started as hashes come (none for a sync that creates no user); detached, as they may
    // outlive this object by the hash they are making.
    if (m_started < m_threads) {
        ++m_started;
        std::thread([shared = m_shared] { background(shared); }).detach();
    }
}

int PasswordHasher::pending() const
{
    QMutexLocker lock(&m_shared->mutex);
    qsizetype hashing = 0;
    for (auto it = m_shared->hashing.cbegin(); it != m_shared->hashing.cend(); ++it)
        hashing += m_shared->wanted(it.key()) ? 1 : 0;
    return int(m_shared->queued.size() + hashing + m_shared->done.size());
}

int PasswordHasher::apply(Database &db, DbError *error)
{
    QHash<qint64, QString> done;
    {
        QMutexLocker lock(&m_shared->mutex);
        done.swap(m_shared->done);
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
    QMutexLocker lock(&m_shared->mutex);
    m_shared->done.insert(std::exchange(m_applied, {}));
}

void PasswordHasher::abandon()
{
    QMutexLocker lock(&m_shared->mutex);
    m_shared->closed = true;
    m_shared->abandoned = true;
    m_shared->queued.clear();
    m_shared->queuedOrClosed.wakeAll();
}

void PasswordHasher::waitForAll()
{
    QList<qint64> left;
    {
        QMutexLocker lock(&m_shared->mutex);
        m_shared->closed = true;
        m_shared->queuedOrClosed.wakeAll();
        left = std::exchange(m_shared->queued, {});
        // Those a background thread is hashing at idle priority too: on a busy machine it may
        // hardly run now.
        for (auto it = m_shared->hashing.cbegin(); it != m_shared->hashing.cend(); ++it) {
            if (m_shared->wanted(it.key()))
                left.append(it.key());
        }
        for (qint64 userId : std::as_const(left))
            ++m_shared->hashing[userId];
    }
    if (left.isEmpty())
        return;
    // Nothing else of the sync runs now: every core hashes what is left, at the priority of
    // the thread that waits.
    QThreadPool pool;
    pool.setMaxThreadCount(qMax(1, QThread::idealThreadCount()));
    for (qint64 userId : std::as_const(left)) {
        pool.start([shared = m_shared, userId] {
            bool wanted = false;
            {
                QMutexLocker lock(&shared->mutex);
                wanted = shared->wanted(userId);
            }
            shared->finish(userId, wanted ? shared->make() : QString());
        });
    }
    pool.waitForDone();
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
