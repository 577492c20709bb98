#include "db/databasethread.h"

#include "threadpolicy.h"

namespace pds {

DatabaseThread::DatabaseThread(const QString &name, const DatabaseConfig &config)
{
    m_thread.setObjectName(name);
    m_context = new QObject;
    m_context->moveToThread(&m_thread);
    m_thread.start();
    runAndWait([this, config] {
        // It works for the thread that posts to it (the stage worker and the checkpoint thread
        // for the sync thread): see serveOtherThreads().
        serveOtherThreads();
        m_openError = m_db.open(config);
    });
}

DatabaseThread::~DatabaseThread()
{
    runAndWait([this] { m_db.close(); });
    m_thread.quit();
    m_thread.wait();
    delete m_context;
}

void DatabaseThread::post(std::function<void()> work)
{
    QMetaObject::invokeMethod(m_context, std::move(work), Qt::QueuedConnection);
}

void DatabaseThread::runAndWait(std::function<void()> work)
{
    QMetaObject::invokeMethod(m_context, std::move(work), Qt::BlockingQueuedConnection);
}

} // namespace pds
