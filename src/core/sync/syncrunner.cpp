#include "syncrunner.h"

#include "sync/syncengine.h"

#include <QThread>

namespace pds {

SyncRunner::SyncRunner(QObject *parent)
    : QObject(parent)
{
    qRegisterMetaType<pds::SyncProgress>();
    qRegisterMetaType<pds::EntityResult>();
    qRegisterMetaType<pds::RunSummary>();
}

SyncRunner::~SyncRunner()
{
    if (m_thread) {
        cancel();
        m_thread->quit();
        m_thread->wait();
        delete m_thread; // its deleteLater would come after this runner is gone
    }
}

bool SyncRunner::start(const SyncOptions &options)
{
    if (m_thread)
        return false;
    auto *thread = new QThread;
    thread->setObjectName(QStringLiteral("pds-sync"));
    auto *engine = new SyncEngine(options);
    engine->moveToThread(thread);
    connect(thread, &QThread::started, engine, &SyncEngine::start);
    connect(engine, &SyncEngine::progress, this, &SyncRunner::progress);
    connect(engine, &SyncEngine::entityFinished, this, &SyncRunner::entityFinished);
    connect(engine, &SyncEngine::finished, this, [this, thread](const RunSummary &summary) {
        m_summary = summary;
        thread->quit();
    });
    // The engine (and the connections it opened) dies in its own thread as that ends. Only then
    // is the run reported finished: whoever reacts finds the database closed, hence free (a
    // read-only remount, a file copy, another sync). The thread object goes then too, not as
    // the thread says it finished: that comes before the engine's end, and deleting a QThread
    // that is still ending waits for it, which held this (the GUI) thread for as long as the
    // engine took to close its connections (20-45 ms at the end of a 100k sync).
    connect(thread, &QThread::finished, engine, &QObject::deleteLater);
    connect(
        engine, &QObject::destroyed, this,
        [this, thread] {
            m_thread = nullptr;
            m_engine = nullptr;
            thread->wait(); // past the engine's end: nothing of it is left to wait for
            delete thread;
            emit finished(m_summary);
        },
        Qt::QueuedConnection);
    m_thread = thread;
    m_engine = engine;
    thread->start();
    emit started();
    return true;
}

void SyncRunner::cancel()
{
    if (m_engine)
        m_engine->requestCancel();
}

} // namespace pds
