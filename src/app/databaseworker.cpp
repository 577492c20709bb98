#include "databaseworker.h"

namespace pds {

DatabaseWorker::DatabaseWorker(QObject *parent)
    : QObject(parent)
    , m_inThread(new QObject)
{
    m_thread.setObjectName(QStringLiteral("pds-db-worker"));
    m_inThread->moveToThread(&m_thread);
    m_thread.start();
}

DatabaseWorker::~DatabaseWorker()
{
    m_thread.quit();
    m_thread.wait();
    // The thread has stopped: its object may go from here.
    delete m_inThread;
}

void DatabaseWorker::post(std::function<void()> job)
{
    QMetaObject::invokeMethod(m_inThread, std::move(job), Qt::QueuedConnection);
}

// Called in the worker thread; `this` outlives it because the destructor waits for the thread.
void DatabaseWorker::deliver(std::function<void()> job)
{
    QMetaObject::invokeMethod(this, std::move(job), Qt::QueuedConnection);
}

void DatabaseWorker::taskDone()
{
    if (--m_pending == 0)
        emit idle();
}

} // namespace pds
