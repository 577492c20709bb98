#pragma once

#include "db/database.h"
#include "db/databasethread.h"
#include "sync/synccontext.h"

#include "mapping/json.h"
#include <QMutex>

#include <atomic>
#include <functional>
#include <memory>
#include <tuple>
#include <vector>

namespace pds {

class CrmStore;

// What staging the pages of one source needs, copied when the source starts.
struct StageSource
{
    std::shared_ptr<EntityHandler> handler;
    Entity entity = Entity::Users;
    bool deletionsSource = false;
    Lookups lookups;
    // The whole list, no updated_since: its records link to nearly every row of the types they
    // link to (CrmStore::LinkReads::AllAtOnce).
    bool wholeList = false;
};

// A page staged ahead: its records' links read and the records mapped, ready to be written.
struct StagedPage
{
    StageSource source;
    // Keeps the page's document for the records, which borrow it: declared before them, freed
    // after them.
    json::Array items;
    // Each item's links, read where the page was parsed (StageFeed::push()).
    QList<mapping::RecordRefs> itemRefs;

    // What it gives: one entry per item (null where the item is no object), unless pageError.
    QList<mapping::RecordRefs> refs;
    QList<CrmStore::KnownMapping> handedOver; // StageContext::handedOver
    QDateTime latestUpdate; // latestUpdate(items), read on the network thread (StageFeed::push())
    std::vector<std::unique_ptr<StagedRecord>> records;
    DbError pageError; // stagePage() failed: the page is staged again when it is written
    std::atomic<bool> done = false;

    // Mapping the records (pure, StagedRecord::map()) is shared: once the worker has staged them
    // all it opens the page, and then it and the sync thread, waiting for this very page, each
    // take the next record not taken yet. The thread that maps the last one marks the page done,
    // and mapRecords() tells it so.
    std::atomic<bool> mappable = false;
    bool mapRecords();

private:
    std::atomic<qsizetype> m_nextToMap = 0;
    std::atomic<qsizetype> m_mapped = 0;
};

// The latest update_time of a page's records (invalid: none), where the next incremental run
// starts from.
QDateTime latestUpdate(const json::Array &items);

// Stages and maps pages on a thread of its own, through a connection of its own to the CRM, while
// the sync thread writes the pages before them: the sync's second core. The connection only
// reads, and sees what the sync has committed; a staged record says when that may be stale.
class StageWorker
{
public:
    // Opens the reader connection (in the worker's thread); isReady() tells if it could.
    StageWorker(const DatabaseConfig &config, const SyncOptions &options);
    ~StageWorker(); // waits for the page being staged, closes the connection, stops the thread
    StageWorker(const StageWorker &) = delete;
    StageWorker &operator=(const StageWorker &) = delete;

    bool isReady() const { return m_thread.isOpen(); }
    // Stages the page in the worker's thread, then calls onDone there if the worker finished it
    // (see StagedPage::mapRecords()). Thread-safe.
    void stage(const std::shared_ptr<StagedPage> &page, std::function<void()> onDone);
    // Drops these references in the worker's thread, which frees them if they were the last.
    void release(std::shared_ptr<StagedPage> page, json::Array items);
    // What the sync thread's store wrote and committed of the tables records link to
    // (CrmStore::takeHarvest()), kept for the rest of the run. Thread-safe.
    void harvest(HarvestBatch batch);

private:
    bool run(StagedPage &page); // true: done here

    const SyncOptions &m_options;
    std::unique_ptr<CrmStore> m_store; // used in m_thread only
    std::unique_ptr<LinkHarvest> m_harvest; // m_store's, used in m_thread only
    std::vector<HarvestBatch> m_harvestQueue; // not applied yet (applyHarvestWhenIdle())
    static constexpr size_t MaxQueuedHarvests = 8; // transactions' worth, a few MB at most
    std::atomic<int> m_pagesQueued = 0; // posted to stage and not done
    void applyHarvestWhenIdle();
    void applyHarvest();
    // The source whose reads m_store keeps across pages (used in m_thread only).
    std::tuple<const EntityHandler *, Entity, bool> m_cachedSource { nullptr, Entity::Users,
        false };
    static constexpr qsizetype MaxCachedMappings = 20000; // in all: under a MB
    // Linked rows, in all: those of a 100k-record account fit (3.3 MB as a QString each in a
    // hash, before PackedRows); at 500k records the 20,000 rows per cache allowed until Dec 4
    // took 11 MB of the peak.
    static constexpr qsizetype MaxLinkedBytes = 6 << 20;
    // What the sync wrote of the linked tables (LinkHarvest, PackedRows and IdMap): a 100k-record
    // account's take 1.9 MB, a 500k one's 9.3 MB; past it (about 650k records), read as before.
    static constexpr qsizetype MaxHarvestBytes = 12 << 20;
    DatabaseThread m_thread; // last: goes first, after the work posted to it
};

// Hands the pages of one source to a StageWorker as soon as the network thread has parsed them
// (Pager::setOnItems(), any thread), and the engine takes them in order when the pages reach it.
// The engine closes the feed before it goes: from then on nothing reaches the worker or the
// engine through it.
class StageFeed : public std::enable_shared_from_this<StageFeed>
{
public:
    // onStaged is called in `receiver`'s thread after each page is staged.
    StageFeed(StageWorker *worker, const StageSource &source, QObject *receiver,
        std::function<void()> onStaged);

    void push(const json::Array &items); // thread-safe
    // The staging of the page with these items: the oldest one pushed, if it is that page.
    std::shared_ptr<StagedPage> take(const json::Array &items);
    void close();

private:
    QMutex m_mutex;
    StageWorker *m_worker;
    StageSource m_source;
    QObject *m_receiver;
    std::function<void()> m_onStaged;
    QList<std::shared_ptr<StagedPage>> m_pages;
};

} // namespace pds
