#include "stageworker.h"

#include "logging.h"
#include "mapping/texttools.h"
#include "sync/crmstore.h"

namespace pds {

StageWorker::StageWorker(const DatabaseConfig &config, const SyncOptions &options)
    : m_options(options)
    , m_thread(QStringLiteral("pds-stage"), config)
{
    if (!m_thread.isOpen()) {
        qCInfo(lcSync) << "staging on the sync thread: no second connection:"
                       << m_thread.openError().toString();
        return;
    }
    // SQLite tells the writer when another connection committed (CrmStore::takeHarvest()).
    const bool toldForeign = config.isSqlite();
    m_thread.runAndWait([this, toldForeign] {
        m_store = std::make_unique<CrmStore>(m_thread.database());
        m_harvest = std::make_unique<LinkHarvest>(
            EntityHandler::linkedTables(), MaxHarvestBytes, toldForeign);
        m_store->setLinkHarvest(m_harvest.get());
    });
}

StageWorker::~StageWorker()
{
    m_thread.runAndWait([this] {
        m_store.reset();
        m_harvest.reset();
    });
}

void StageWorker::harvest(HarvestBatch batch)
{
    if (!isReady() || batch.isEmpty())
        return;
    m_thread.post([this, batch = std::move(batch)] {
        m_harvestQueue.push_back(batch);
        applyHarvestWhenIdle();
    });
}

void StageWorker::applyHarvestWhenIdle()
{
    // Kept while pages wait to be staged: the pass that writes the rows needs none of them, and
    // the sync thread waits for its pages (applied at once, the persons' took ~20 ms of the
    // worker's time in their own pass at 100k records). Every batch is in before another
    // source's first page is staged (run()), so that each pass checks the harvest whole.
    if (m_pagesQueued.load() == 0 || m_harvestQueue.size() >= MaxQueuedHarvests)
        applyHarvest();
}

void StageWorker::applyHarvest()
{
    for (const HarvestBatch &batch : m_harvestQueue)
        m_harvest->apply(batch);
    m_harvestQueue.clear();
}

void StageWorker::stage(const std::shared_ptr<StagedPage> &page, std::function<void()> onDone)
{
    ++m_pagesQueued;
    m_thread.post([this, page, onDone] {
        const bool done = run(*page);
        --m_pagesQueued;
        if (done)
            onDone();
        applyHarvestWhenIdle();
    });
}

namespace {

// "YYYY-MM-DD HH:MM:SS" (v1) or "YYYY-MM-DDTHH:MM:SSZ" (v2): UTC times of one width, whose texts
// order as the times do, the character between date and time set aside.
bool isPlainUtcTime(QByteArrayView text)
{
    if (!(text.size() == 19 || (text.size() == 20 && text[19] == 'Z')))
        return false;
    if ((text[10] != ' ' && text[10] != 'T') || text[4] != '-' || text[7] != '-' || text[13] != ':'
        || text[16] != ':')
        return false;
    for (int i : { 0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18 }) {
        if (text[i] < '0' || text[i] > '9')
            return false;
    }
    return true;
}

bool plainLater(QByteArrayView a, QByteArrayView b)
{
    const int date = a.first(10).compare(b.first(10));
    return date > 0 || (date == 0 && a.sliced(11, 8).compare(b.sliced(11, 8)) > 0);
}

} // namespace

QDateTime latestUpdate(const json::Array &items)
{
    // Plain UTC times are compared as text and only the latest is parsed (parsing every one was
    // 3% of the stage worker's time); the others are parsed one by one.
    QDateTime latest;
    QByteArrayView latestPlain;
    bool slowly = false;
    for (int pass = 0; pass < 2; ++pass) {
        for (const json::Value &value : items.borrowed()) {
            if (!value.isObject())
                continue;
            const json::Value time = value.toObject().value("update_time");
            const QByteArrayView text = time.utf8InPlace();
            if (!slowly && isPlainUtcTime(text)) {
                if (latestPlain.isEmpty() || plainLater(text, latestPlain))
                    latestPlain = text;
                continue;
            }
            const QDateTime updated = mapping::parsePipedriveTime(time.toString());
            if (updated.isValid() && (!latest.isValid() || updated > latest))
                latest = updated;
        }
        if (latestPlain.isEmpty())
            return latest;
        const QDateTime plain = mapping::parsePipedriveTime(QString::fromLatin1(latestPlain));
        if (plain.isValid())
            return !latest.isValid() || plain > latest ? plain : latest;
        // The latest text is no time (the 30th of February, say): every one parsed instead.
        latest = QDateTime();
        latestPlain = {};
        slowly = true;
    }
    return latest;
}

void StageWorker::release(std::shared_ptr<StagedPage> page, json::Array items)
{
    m_thread.post([page = std::move(page), items = std::move(items)]() mutable {
        page.reset();
        items = json::Array();
    });
}

bool StagedPage::mapRecords()
{
    const auto count = qsizetype(records.size());
    bool last = false;
    for (qsizetype i = m_nextToMap++; i < count; i = m_nextToMap++) {
        if (records[size_t(i)])
            records[size_t(i)]->map();
        last = ++m_mapped == count;
    }
    if (last)
        done = true;
    return last;
}

bool StageWorker::run(StagedPage &page)
{
    // A page not staged in full is done at once: it is staged again when it is written.
    const auto failed = [&page] {
        page.done = true;
        return true;
    };
    if (!isReady()) {
        page.pageError = DbError::make(DbError::Kind::Other, QStringLiteral("no reader"));
        return failed();
    }
    // A connection lost (a restarted server) is opened again for the next page.
    Database &db = m_thread.database();
    if (!db.isOpen()) {
        page.pageError = db.reopen();
        if (page.pageError.isError())
            return failed();
    }
    const StageSource &source = page.source;
    StageContext context(m_options, source.lookups, *m_store);
    context.readRefs = &page.itemRefs;
    context.entity = source.entity;
    context.deletionsSource = source.deletionsSource;
    // What the pages of one source link to is read once for all of them: the rows of the
    // entities synced before this one do not change during its pass, and what an earlier page
    // changes (its own entity's rows; a deal's promoted lead) is never kept across pages. A
    // record whose reading went stale meanwhile tells so when it is written (stale()).
    if (m_cachedSource != std::tuple(source.handler.get(), source.entity, source.deletionsSource)) {
        applyHarvest();
        m_store->discardCache();
        m_cachedSource = { source.handler.get(), source.entity, source.deletionsSource };
        // Failing, it leaves them to be counted later; the page's own reads say what is wrong.
        const DbError ahead = m_store->checkHarvestAhead(mappingTypesFor(source.entity));
        if (ahead.isError())
            qCDebug(lcSync) << "harvest not checked ahead:" << ahead.toString();
    }
    // A deal also promotes its person's lead to a contact: the contacts and leads read stay
    // all the same. A later deal of that person, staged from them, reads a lead where there is a
    // contact now, and goes stale (StagedDeal::stale()): 3 of 15,000 deals at 100k records, where
    // reading the contacts again for each page was 13% of the deals' staging and mapping.
    if (source.wholeList)
        m_harvest->listedWhole(mappingTypesFor(source.entity));
    m_store->beginPageKeeping(mappingTypesFor(source.entity), MaxCachedMappings, MaxLinkedBytes,
        source.wholeList ? CrmStore::LinkReads::AllAtOnce : CrmStore::LinkReads::ByIdFirst);
    page.pageError = source.handler->stagePage(context, page.items);
    if (page.pageError.kind == DbError::Kind::Unreachable)
        db.close();
    if (page.pageError.isError())
        m_store->discardCache();
    if (page.pageError.isError() || context.pageRefs.size() != page.items.size()) {
        if (page.pageError.isOk())
            page.pageError = DbError::make(DbError::Kind::Other, QStringLiteral("links unread"));
        return failed();
    }
    page.refs = context.pageRefs;
    page.handedOver = std::move(context.handedOver);
    page.records.reserve(page.items.size());
    qsizetype index = -1;
    // The records keep no share of the page's document: page.items does, and outlives them
    // (json::Object::borrowed(); the mapping's reads counted references, contended with the
    // sync thread's).
    for (const json::Value &value : page.items.borrowed()) {
        ++index;
        if (!value.isObject()) {
            page.records.push_back(nullptr);
            continue;
        }
        context.recordIndex = index;
        page.records.push_back(source.handler->stage(context, value.toObject()));
    }
    if (page.records.empty())
        return failed();
    page.mappable = true;
    return page.mapRecords();
}

StageFeed::StageFeed(StageWorker *worker, const StageSource &source, QObject *receiver,
    std::function<void()> onStaged)
    : m_worker(worker)
    , m_source(source)
    , m_receiver(receiver)
    , m_onStaged(std::move(onStaged))
{ }

void StageFeed::push(const json::Array &items)
{
    // Read here, on the network thread, which has time to spare: the worker has not (the latest
    // update, read on the worker, was 3% of its time, in the passes that wait for it).
    QList<mapping::RecordRefs> refs = mapping::recordRefs(items);
    const QDateTime latest = latestUpdate(items);
    const QMutexLocker lock(&m_mutex);
    if (!m_worker)
        return;
    auto page = std::make_shared<StagedPage>();
    page->source = m_source;
    page->items = items;
    page->itemRefs = std::move(refs);
    page->latestUpdate = latest;
    m_pages.append(page);
    m_worker->stage(page, [self = shared_from_this()] {
        const QMutexLocker lock(&self->m_mutex);
        if (self->m_receiver)
            QMetaObject::invokeMethod(self->m_receiver, self->m_onStaged, Qt::QueuedConnection);
    });
}

std::shared_ptr<StagedPage> StageFeed::take(const json::Array &items)
{
    const QMutexLocker lock(&m_mutex);
    // Pages arrive in the order they were parsed; an answer the pager did not turn into a page
    // (none today) would leave its staging behind: skip such.
    while (!m_pages.isEmpty()) {
        std::shared_ptr<StagedPage> page = m_pages.takeFirst();
        if (page->items.sameAs(items))
            return page;
    }
    return nullptr;
}

void StageFeed::close()
{
    const QMutexLocker lock(&m_mutex);
    m_worker = nullptr;
    m_receiver = nullptr;
    m_pages.clear();
}

} // namespace pds
