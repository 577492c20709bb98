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
        thread->quit();
        m_thread = nullptr;
        m_engine = nullptr;
        emit finished(summary);
    });
    // The engine (and the connections it opened) dies in its own thread, then the thread.
    connect(thread, &QThread::finished, engine, &QObject::deleteLater);
    connect(engine, &QObject::destroyed, thread, &QObject::deleteLater);
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
