#pragma once

#include "sync/synctypes.h"

#include <QObject>
#include <QPointer>
#include <QThread>

namespace pds {

class SyncEngine;

// The front ends' handle on a sync: starts a SyncEngine in a worker thread of its own and relays
// its value signals (queued) to the caller's thread. The caller's thread never waits on the
// network or the database.
class SyncRunner : public QObject
{
    Q_OBJECT
public:
    explicit SyncRunner(QObject *parent = nullptr);
    ~SyncRunner() override; // cancels and waits for a running sync

    bool isRunning() const { return m_thread != nullptr; }
    // The thread the engine runs in, while a sync runs.
    QThread *workerThread() const { return m_thread; }
    // Refused (false) while a sync runs.
    bool start(const SyncOptions &options);
    void cancel();

signals:
    void started();
    void progress(const pds::SyncProgress &progress);
    void entityFinished(const pds::EntityResult &result);
    void finished(const pds::RunSummary &summary);

private:
    QPointer<QThread> m_thread; // until the engine is gone
    QPointer<SyncEngine> m_engine;
    RunSummary m_summary; // the engine's, reported once its thread has ended
};

} // namespace pds
