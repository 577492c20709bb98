#pragma once

#include "api/pager.h"
#include "sync/synctypes.h"

#include "mapping/json.h"
#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <atomic>
#include <functional>
#include <memory>
#include <optional>

class QNetworkAccessManager;
class QTimer;

namespace pds {

class ApiClient;
class Database;
class EntityHandler;
class Pager;
class PasswordHasher;
class StageFeed;
class StageWorker;
struct StagedPage;
class UndoJournal;
class WalCheckpointer;
struct SyncContext;
struct ApiPage;

// Runs one sync: lookups, then each entity in order, page by page. Lives in a worker thread
// (SyncRunner moves it there) and creates its network and database connections in start(), so
// they belong to that thread. Talks to the outside only through queued signals carrying values.
//
// Each page is written with its rows, their mapping rows, their problems and the checkpoint that
// says where to go on, in one transaction, so a run killed at any moment resumes where the last
// commit left it; pages already here when one is written join its transaction, up to
// SyncOptions::maxPagesPerTransaction. While a page is being written, the next one is already on
// the wire. Every change to the CRM also goes to the undo journal, in the same transactions.
//
// A dry run is one transaction from the first entity to the end, rolled back then: later pages
// and entities see what earlier ones would have written, so its counts are those of a real run.
// Only its run rows stay (made before the transaction, finished after the rollback).
class SyncEngine : public QObject
{
    Q_OBJECT
public:
    explicit SyncEngine(const SyncOptions &options, QObject *parent = nullptr);
    ~SyncEngine() override;

    // Thread-safe: the current page rolls back, the checkpoint stays valid.
    void requestCancel();

public slots:
    void start();

signals:
    void progress(const pds::SyncProgress &progress);
    void entityFinished(const pds::EntityResult &result);
    void finished(const pds::RunSummary &summary);

private:
    using LookupStep = std::pair<Endpoint, std::function<void(const json::Array &)>>;

    // What became of a page: in the database, the run stopped, or the connection must be made
    // again before the same page is written once more.
    // Again: the transaction was rolled back and its pages put back in front of m_waiting, to be
    // written again from the first.
    enum class PageWrite { Written, Stopped, Reconnect, Again };
    // A page fetched and not yet committed, and where it is staged ahead (null: staged when
    // written, on this thread).
    struct WaitingPage
    {
        ApiPage page;
        std::shared_ptr<StagedPage> staged;
        bool careful = false; // written again, each record in a savepoint (a record was refused)
    };

    void fetchLookups(QList<LookupStep> steps);
    void startEntity(int index);
    void beginEntityPass();
    void startSource(const QString &resumePosition = {});
    void onPage(const ApiPage &page);
    void writeWaitingPages();
    void fetchAhead();
    QString sinceMark(const QString &mark) const;
    void prefetchNextSource();
    Pager *adoptPrefetch(
        const QString &path, const QUrlQuery &query, const QString &resumePosition);
    void dropPrefetch();
    void onApiFailed(const ApiError &error);
    PageWrite writePage(const WaitingPage &waiting);
    static const StagedPage *stagedAhead(const WaitingPage &waiting);
    void completeEntity();
    void finishEntity(SyncOutcome outcome, const QString &message);
    void failRun(const QString &message);
    void finishDryRun();
    void failOnDatabase(const DbError &error);
    void finishRun();
    void emitProgress(bool force);
    DbError loadUsers();
    bool checkCancelled();
    void stopCancelled();
    // A lost database connection (PostgreSQL restarted, network gone): reconnect with backoff,
    // then run `then` again; give up after the policy's attempts with the run resumable.
    void reconnect(const DbError &error, std::function<void()> then);
    void scheduleReconnect();
    void tryReconnect();

    SyncOptions m_options;
    std::atomic_bool m_cancel { false };
    QNetworkAccessManager *m_nam = nullptr;
    ApiClient *m_client = nullptr;
    std::unique_ptr<Database> m_db;
    std::unique_ptr<SyncContext> m_context;
    std::shared_ptr<EntityHandler> m_handler; // shared with the pages being staged
    std::unique_ptr<PasswordHasher> m_hasher;
    std::unique_ptr<UndoJournal> m_undo; // none in a dry run
    QList<qint64> m_dryRunIds; // a dry run's run rows, one per entity, made before it begins
    QPointer<Pager> m_pager;
    // The next source's first page, asked for as the current source starts
    // (SyncOptions::prefetchSources); the source's own pager when it starts, if it asks for the
    // same thing then. Its answers count for its own entity's pass.
    struct Prefetch
    {
        int entityIndex = -1;
        int sourceIndex = 0;
        QString path;
        QString query;
        QPointer<Pager> pager;
        std::optional<ApiPage> page; // here already
        bool failed = false; // the source's own pager asks again, and handles what it gets
        QString askedAt = {}; // UTC, as m_passStarted: the pass that adopts it read from then on
    };
    std::optional<Prefetch> m_prefetch;
    bool m_stageOnArrival = false; // the adopted first page was asked for without staging
    QList<QPointer<Pager>> m_lookupPagers; // the lookups, read side by side
    bool m_carefulPage = false; // writing a page again, each record in a savepoint
    void cancelPagers();
    RunSummary m_summary;
    bool m_finished = false;

    // The entity being synced
    int m_entityIndex = -1;
    int m_sourceIndex = 0;
    QString m_since; // updated_since of this pass ("" = everything)
    QString m_maxUpdate; // newest update_time seen in this pass
    // When this pass began (a resumed one: its first run's), UTC: the high-water mark never goes
    // past it, as records already read may change while later pages are read.
    QString m_passStarted;
    bool m_defaultOwnerMissingTold = false; // logged once a run
    bool m_reconciling = false; // a full pass noting the ids it sees (deletions)
    bool m_sourceDeletions = false; // the current source lists deleted records
    EntityResult m_result;
    int m_requestsAtStart = 0;
    qint64 m_tokensAtStart = 0;
    QElapsedTimer m_entityClock;
    QElapsedTimer m_progressClock;
    QString m_status;

    // Pages fetched but not yet committed: the one being written (again, after a reconnect) and
    // those fetched ahead of it, staged on the stage worker's thread meanwhile.
    QList<WaitingPage> m_waiting;
    // Pages written back to back share a transaction, up to SyncOptions::maxPagesPerTransaction:
    // a commit rewrites every database page the transaction touched (the tables' and indexes'
    // last pages, the journals'). The write lock is held while waiting for the next page for at
    // most SyncOptions::pageJoinWaitMs (m_joinWait), then the pages written are committed
    // (commitOpenPages()). The pages written in the open transaction before the one being
    // written (kept: a lost transaction writes them again), and what the counts were when it
    // began.
    QList<WaitingPage> m_uncommitted;
    RunCounts m_countsAtBegin;
    QString m_maxUpdateAtBegin;
    QTimer *m_joinWait = nullptr; // runs while the open transaction waits for the next page
    bool nextPageJoins() const;
    // Commits the pages of the transaction left open for the next page, if there is one. False
    // when that failed and the run stops, or reconnects to write them again if it may (taken
    // care of here).
    bool commitOpenPages(bool mayReconnect = true);
    // The page transaction committed with `pages` pages of records in it, counted for the
    // summary, and told to those that keep what it wrote (the harvest, the journals).
    DbError commitTransaction(qsizetype pages);
    // The transaction rolled back, and what the engine noted of it with it; the counts and the
    // newest update time go back to these.
    void rollBackTransaction(const RunCounts &counts, const QString &maxUpdate);
    // The pages of a transaction that was lost go back before the waiting ones, to be written
    // again.
    void writeUncommittedAgain();
    void releaseWritten(WaitingPage &page);
    // Hands what the commit just made wrote of the linked tables to the stage worker.
    void harvestCommitted();
    std::unique_ptr<StageWorker> m_stager; // none: every page staged on this thread
    std::unique_ptr<WalCheckpointer> m_checkpointer; // none: SQLite checkpoints in the commits
    std::shared_ptr<StageFeed> m_feed; // the current source's pages to m_stager
    bool m_pipelined = false; // this pass stages pages ahead on m_stager
    bool m_writing = false; // inside writePage(): pages arriving only queue up
    // What the sync thread waits for with nothing to write (RunSummary::answerWaitMs,
    // stagingWaitMs): the next page's answer, or the first waiting page still being staged.
    enum class Idle { No, ForAnswer, ForStaging };
    Idle m_idle = Idle::No;
    QElapsedTimer m_idleClock;
    qint64 m_answerWaitNs = 0;
    qint64 m_stagingWaitNs = 0;
    void noteIdle(); // from what waits to be written, as the event loop takes over
    void endIdle();
    std::optional<ApiError> m_deferredFailure; // the API failed while a page was written
    bool m_reconnecting = false;
    int m_reconnectAttempt = 0;
    DbError m_connectionError;
    std::function<void()> m_afterReconnect;
};

} // namespace pds
