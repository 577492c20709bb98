#include "syncengine.h"

#include "api/apiclient.h"
#include "api/pager.h"
#include "db/database.h"
#include "db/schemamanager.h"
#include "db/walcheckpointer.h"
#include "logging.h"
#include "mapping/texttools.h"
#include "sync/passwordhasher.h"
#include "sync/reconcile.h"
#include "sync/stageworker.h"
#include "sync/synccontext.h"
#include "sync/undojournal.h"

#include <utility>

#include <QCoreApplication>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QScopeGuard>
#include <QSqlQuery>
#include <QTimer>

namespace pds {

namespace {

// Incremental passes ask a little further back than the newest change seen: updated_since is
// inclusive, and clocks and commits on Pipedrive's side are not perfectly ordered.
constexpr int IncrementalOverlapSeconds = 120;

bool isDatabaseWide(const DbError &error)
{
    switch (error.kind) {
    case DbError::Kind::Constraint:
    case DbError::Kind::Other:
        return false;
    default:
        return error.isError();
    }
}

// Faults that leave the database as the last committed page left it, so that the next sync goes on
// from the checkpoint.
bool stopsResumably(const ApiError &error)
{
    switch (error.kind) {
    case ApiError::Kind::RateLimited:
    case ApiError::Kind::BudgetExhausted:
    case ApiError::Kind::AccountClosed:
    case ApiError::Kind::Blocked:
    case ApiError::Kind::Server:
    case ApiError::Kind::Network:
    case ApiError::Kind::Timeout:
    case ApiError::Kind::Malformed:
        return true;
    default:
        return false;
    }
}

bool stopsResumably(const DbError &error)
{
    switch (error.kind) {
    case DbError::Kind::Unreachable:
    case DbError::Kind::Locked:
    case DbError::Kind::ReadOnly:
    case DbError::Kind::DiskFull:
        return true;
    default:
        return false;
    }
}

QString resumeNote()
{
    return SyncEngine::tr("Nothing of the unfinished page was written; the next sync resumes "
                          "where this one stopped.");
}

QString modeName(const SyncOptions &options)
{
    return options.full ? QStringLiteral("full") : QStringLiteral("incremental");
}

// The natural keys a staged page's records will be looked up by, and the owners of the rows they
// find, read in a few queries.
DbError prefetchKeys(CrmStore &store, const StagedPage &page)
{
    // (table, column) -> the mapping type of the table's rows, and the keys
    QHash<QPair<QString, QString>, std::pair<QString, QVariantList>> keys;
    for (const std::unique_ptr<StagedRecord> &record : page.records) {
        if (!record)
            continue;
        if (const std::optional<StagedRecord::KeyLookup> key = record->lookupKey()) {
            auto &[type, values] = keys[{ key->table, key->column }];
            type = key->mappingType;
            values << key->value;
        }
    }
    DbError error;
    for (auto it = keys.cbegin(); it != keys.cend() && error.isOk(); ++it) {
        store.prefetchKeys(
            it.key().first, it.key().second, it.value().second, &error, it.value().first);
    }
    return error;
}

} // namespace

SyncEngine::SyncEngine(const SyncOptions &options, QObject *parent)
    : QObject(parent)
    , m_options(options)
{
    m_summary.dryRun = options.dryRun;
}

SyncEngine::~SyncEngine()
{
    // First: nothing reaches the engine from the worker after this, and the worker waits for the
    // page it stages (which uses the handler and the options).
    if (m_feed)
        m_feed->close();
    if (m_checkpointer)
        m_checkpointer->catchUp(); // beside the worker's going
    m_stager.reset();
    m_checkpointer.reset();
    m_handler.reset();
    m_context.reset();
    m_undo.reset();
    if (m_db)
        m_db->close();
}

void SyncEngine::requestCancel()
{
    m_cancel = true;
    QMetaObject::invokeMethod(
        this,
        [this] {
            cancelPagers();
            // Waiting to reconnect holds no transaction: stop at once.
            if (m_reconnecting)
                stopCancelled();
        },
        Qt::QueuedConnection);
}

bool SyncEngine::checkCancelled()
{
    return m_cancel.load();
}

void SyncEngine::stopCancelled()
{
    onApiFailed(ApiError { ApiError::Kind::Cancelled, 0, tr("Cancelled."), {}, {} });
}

void SyncEngine::start()
{
    m_nam = new QNetworkAccessManager(this);
    m_joinWait = new QTimer(this);
    m_joinWait->setSingleShot(true);
    m_joinWait->setInterval(std::max(0, m_options.pageJoinWaitMs));
    connect(m_joinWait, &QTimer::timeout, this, [this] {
        // Not while a page is written (the timer only fires from the event loop, between them).
        if (!m_writing) {
            commitOpenPages();
            noteIdle();
        }
    });
    // Replies are read and parsed on a thread of their own: the next page gets ready while
    // this one is written.
    m_client = new ApiClient(
        m_nam, { m_options.baseUrl, m_options.token, m_options.requestTimeoutMs, true }, this);

    m_db = std::make_unique<Database>();
    DbError error = m_db->open(m_options.database);
    if (error.isOk()) {
        SchemaManager schema;
        error = schema.ensureSchema(*m_db);
    }
    if (error.isError())
        return failOnDatabase(error);
    m_context = std::make_unique<SyncContext>(*m_db, m_options);
    // A second connection stages pages ahead while this one writes. Not for a dry run (its one
    // transaction holds what earlier entities would have written, which no other connection
    // sees), nor for an in-memory database (another connection would be another database).
    const bool otherConnections = !m_options.dryRun
        && !(m_options.database.isSqlite()
            && m_options.database.sqlitePath == QLatin1String(":memory:"));
    if (m_options.stageAhead && otherConnections) {
        m_stager = std::make_unique<StageWorker>(m_options.database, m_options);
        if (!m_stager->isReady())
            m_stager.reset();
    }
    // What this connection writes of the tables records link to goes to the worker after each
    // commit (harvestCommitted()): it answers links from it instead of reading them back.
    if (m_stager)
        m_context->store.setHarvest(EntityHandler::linkedTables());
    // On PostgreSQL a third analyzes the tables this thread fills, which it waited for.
    if (otherConnections)
        m_context->store.analyzeInBackground();
    // And on SQLite a third checkpoints the write-ahead log, which this thread's commits did.
    if (otherConnections && m_options.database.isSqlite()) {
        m_checkpointer = std::make_unique<WalCheckpointer>(m_options.database);
        if (m_checkpointer->isReady())
            m_checkpointer->watch(*m_db);
        else
            m_checkpointer.reset();
    }
    if (!m_options.dryRun) {
        // bcrypt is slow on purpose: new users' hashes are made on other threads meanwhile,
        // and users a killed run left without one get theirs now.
        m_hasher
            = std::make_unique<PasswordHasher>(m_options.bcryptCost, m_options.backgroundHashers);
        m_context->hasher = m_hasher.get();
        const QList<qint64> waiting = PasswordHasher::usersWithoutPassword(*m_db, &error);
        for (qint64 id : waiting)
            m_hasher->hash(id);
    }
    // A run that was killed left its rows "running": say what happened to them.
    QSqlQuery *stale = m_context->store.query(
        QStringLiteral("UPDATE pipedrive_sync_runs SET outcome = 'interrupted' WHERE outcome = ?"),
        { QString::fromLatin1(RunJournal::RunningOutcome) }, &error);
    if (stale)
        stale->finish();
    // The first write: a locked, read-only or full database says so here, before any request.
    if (isDatabaseWide(error))
        return failOnDatabase(error);
    if (m_options.dryRun) {
        // The history keeps dry runs: their rows are made before the one transaction that holds
        // everything else, and finished after its rollback (finishDryRun()).
        for (Entity entity : std::as_const(m_options.entities)) {
            m_dryRunIds << m_context->journal.startRun(
                entityName(entity), modeName(m_options), true, &error);
            if (error.isError())
                return failOnDatabase(error);
        }
        error = m_db->beginTransaction();
        if (error.isError())
            return failOnDatabase(error);
    } else {
        m_undo = std::make_unique<UndoJournal>(*m_db);
        m_context->store.setChangeJournal(m_undo.get());
    }

    // The lookups the chosen entities need, each read in full before any entity starts.
    Lookups &lookups = m_context->lookups;
    QList<LookupStep> steps;
    steps.append({ endpoints::usersMe(), [&lookups](const json::Array &data) {
                      lookups.meId
                          = qint64(data.at(0).toObject().value(QLatin1String("id")).toDouble());
                  } });
    if (m_options.entities.contains(Entity::Deals)) {
        steps.append({ endpoints::pipelines(), [&lookups](const json::Array &data) {
                          for (const json::Value &value : data) {
                              const json::Object pipeline = value.toObject();
                              lookups.pipelines.insert(
                                  qint64(pipeline.value(QLatin1String("id")).toDouble()),
                                  pipeline.value(QLatin1String("name")).toString());
                          }
                      } });
        steps.append(
            { endpoints::stages(), [&lookups](const json::Array &data) {
                 for (const json::Value &value : data) {
                     const json::Object stage = value.toObject();
                     Lookups::Stage info;
                     info.name = stage.value(QLatin1String("name")).toString();
                     info.pipelineId = qint64(stage.value(QLatin1String("pipeline_id")).toDouble());
                     const json::Value probability = stage.value(QLatin1String("deal_probability"));
                     if (probability.isDouble())
                         info.probability = probability.toDouble();
                     lookups.stages.insert(
                         qint64(stage.value(QLatin1String("id")).toDouble()), info);
                 }
             } });
        steps.append({ endpoints::dealFields(), [this](const json::Array &data) {
                          m_options.mapping.dealFields = mapping::customFieldDefs(data);
                      } });
    }
    // Persons' and organizations' field definitions as Pipedrive has them now (an option or a field
    // added since the field map was saved is named by its label, not its id; a setup that never
    // opened the field map gets the custom fields' lines too); those only the saved map knows
    // stay.
    const auto refreshFields = [this](QHash<QString, mapping::CustomFieldDef> *fields) {
        return [this, fields](const json::Array &data) {
            const QHash<QString, mapping::CustomFieldDef> current = mapping::customFieldDefs(data);
            for (auto it = current.cbegin(); it != current.cend(); ++it)
                fields->insert(it.key(), it.value());
        };
    };
    if (m_options.entities.contains(Entity::Organizations))
        steps.append({ endpoints::organizationFields(),
            refreshFields(&m_options.mapping.organizationFields) });
    if (m_options.entities.contains(Entity::Persons))
        steps.append({ endpoints::personFields(), refreshFields(&m_options.mapping.personFields) });
    if (m_options.entities.contains(Entity::Activities)) {
        steps.append({ endpoints::activityTypes(), [&lookups](const json::Array &data) {
                          for (const json::Value &value : data) {
                              const json::Object type = value.toObject();
                              lookups.activityTypes.insert(
                                  type.value(QLatin1String("key_string")).toString(),
                                  type.value(QLatin1String("name")).toString());
                          }
                      } });
        steps.append({ endpoints::activityFields(), [this](const json::Array &data) {
                          m_options.mapping.activityPriorities = mapping::priorityLabels(data);
                      } });
    }
    m_status = tr("reading Pipedrive's settings");
    fetchLookups(steps);
}

void SyncEngine::fetchLookups(QList<LookupStep> steps)
{
    if (checkCancelled()) {
        m_summary.outcome = SyncOutcome::Cancelled;
        m_summary.message = tr("Cancelled.");
        return finishRun();
    }
    if (m_finished)
        return;
    if (steps.isEmpty())
        return startEntity(0);
    // All side by side: they do not depend on each other, and each is a round trip before the
    // first entity can start. Applied in their order once all are in.
    auto collected = std::make_shared<QList<QList<json::Array>>>(steps.size());
    auto pending = std::make_shared<qsizetype>(steps.size());
    for (qsizetype i = 0; i < steps.size(); ++i) {
        auto *pager = new Pager(m_client, steps.at(i).first, {}, 500, this);
        pager->setRetryPolicy(m_options.retry);
        m_lookupPagers.append(pager);
        connect(pager, &Pager::pageReady, this, [=, this](const ApiPage &page) {
            if (m_finished)
                return;
            (*collected)[i].append(page.items);
            if (!page.last)
                return pager->fetchNext();
            pager->deleteLater();
            if (--*pending > 0)
                return;
            m_lookupPagers.clear();
            for (qsizetype j = 0; j < steps.size(); ++j)
                steps.at(j).second(json::concat(collected->at(j)));
            fetchLookups({});
        });
        connect(pager, &Pager::failed, this, [this, pager](const ApiError &error) {
            pager->deleteLater();
            onApiFailed(error);
        });
    }
    for (const QPointer<Pager> &pager : std::as_const(m_lookupPagers))
        pager->fetchNext();
}

void SyncEngine::cancelPagers()
{
    dropPrefetch();
    if (m_pager)
        m_pager->cancel();
    for (const QPointer<Pager> &pager : std::as_const(m_lookupPagers)) {
        if (pager)
            pager->cancel();
    }
}

DbError SyncEngine::loadUsers()
{
    DbError error;
    QSqlQuery *q = m_context->store.query(
        QStringLiteral(
            "SELECT m.pipedrive_id, u.id, u.email FROM pipedrive_mappings m JOIN users u "
            "ON u.id = m.rails_id WHERE m.pipedrive_type = 'User'"),
        {}, &error);
    if (!q)
        return error;
    m_context->lookups.users.clear();
    while (q->next())
        m_context->lookups.users.insert(
            q->value(0).toLongLong(), { q->value(1).toLongLong(), q->value(2).toString() });
    q->finish();
    std::optional<Lookups::User> &fallback = m_context->lookups.defaultOwner;
    fallback.reset();
    if (m_options.defaultOwnerUserId > 0) {
        q = m_context->store.query(QStringLiteral("SELECT id, email FROM users WHERE id = ?"),
            { m_options.defaultOwnerUserId }, &error);
        if (!q)
            return error;
        if (q->next())
            fallback = Lookups::User { q->value(0).toLongLong(), q->value(1).toString() };
        q->finish();
        if (!fallback && !std::exchange(m_defaultOwnerMissingTold, true)) {
            qCWarning(lcSync) << "the default owner picked in settings (CRM user"
                              << m_options.defaultOwnerUserId
                              << ") is not in the CRM: the token's own user is used";
        }
    }
    return error;
}

void SyncEngine::startEntity(int index)
{
    m_entityIndex = index;
    if (index >= m_options.entities.size())
        return finishRun();
    if (checkCancelled()) {
        m_summary.outcome = SyncOutcome::Cancelled;
        return finishRun();
    }
    const Entity entity = m_options.entities.at(index);
    m_context->entity = entity;
    m_context->counts = RunCounts();
    m_handler = EntityHandler::create(entity);
    // Users are one page, and their password hashes are queued by the id their write gives.
    m_pipelined = m_stager && entity != Entity::Users;
    m_result = EntityResult();
    m_result.entity = entity;
    m_result.startedAt = QDateTime::currentDateTimeUtc();
    m_requestsAtStart = m_client->requestCount();
    m_tokensAtStart = m_client->tokensSpent();
    // Answers to its first page asked for ahead came in during the pass before: this pass's.
    if (m_prefetch && m_prefetch->entityIndex == index && m_prefetch->pager) {
        m_requestsAtStart -= m_prefetch->pager->responses();
        m_tokensAtStart -= m_prefetch->pager->tokens();
    }
    m_entityClock.start();
    m_progressClock.invalidate();
    m_status = tr("fetching");
    m_context->runId = 0;
    m_waiting.clear();
    beginEntityPass();
}

namespace {

QUrlQuery sourceQuery(const EntityHandler::Source &source, const QString &since)
{
    QUrlQuery query = source.query;
    if (source.incremental && !since.isEmpty())
        query.addQueryItem(QStringLiteral("updated_since"), since);
    return query;
}

// Whether a source, asked with its query, lists every record of its entity: its records then
// link to nearly every row of the types they link to, and look nearly every key up. A deletions
// list (deleted deals) is short, and its records read no links; a saved filter may leave few
// records.
bool listsEveryRecord(const EntityHandler::Source &source, const QUrlQuery &query)
{
    return !source.deletions && !query.hasQueryItem(QStringLiteral("updated_since"))
        && !query.hasQueryItem(QStringLiteral("filter_id"));
}

} // namespace

void SyncEngine::beginEntityPass()
{
    if (m_finished)
        return;
    const QString name = entityName(m_context->entity);
    DbError error = loadUsers();
    QJsonObject checkpoint;
    if (error.isOk())
        checkpoint = m_context->journal.checkpoint(name, &error);
    QString mark;
    if (error.isOk())
        mark = m_context->journal.highWaterMark(name, &error);
    // Once per pass, also when this is tried again after a reconnect.
    if (error.isOk() && m_context->runId <= 0) {
        m_context->runId = m_options.dryRun
            ? m_dryRunIds.value(m_entityIndex)
            : m_context->journal.startRun(name, modeName(m_options), false, &error);
        m_result.runId = m_context->runId;
    }
    if (error.isOk() && m_undo)
        m_undo->beginRun(m_context->runId, name);
    if (error.kind == DbError::Kind::Unreachable)
        return reconnect(error, [this] { beginEntityPass(); });
    if (error.isError())
        return failOnDatabase(error);

    // Resume an interrupted pass where its last committed page left it, with the same filter.
    const bool resumed = !checkpoint.isEmpty() && !m_options.dryRun;
    if (resumed) {
        m_sourceIndex = checkpoint.value(QLatin1String("source")).toInt();
        m_since = checkpoint.value(QLatin1String("since")).toString();
        m_maxUpdate = checkpoint.value(QLatin1String("max_update")).toString();
        // A checkpoint written before this was kept has none: its mark stays uncapped.
        m_passStarted = checkpoint.value(QLatin1String("started")).toString();
        qCInfo(lcSync) << "resuming" << name << "at source" << m_sourceIndex;
    } else {
        m_sourceIndex = 0;
        m_maxUpdate.clear();
        m_passStarted = QDateTime::currentDateTimeUtc().toString(Qt::ISODate);
        m_since = sinceMark(mark);
    }
    const QList<EntityHandler::Source> sources = m_handler->sources(*m_context);
    m_context->listsEveryRecord
        = std::any_of(sources.cbegin(), sources.cend(), [this](const EntityHandler::Source &s) {
              return listsEveryRecord(s, sourceQuery(s, m_since));
          });
    m_context->store.dropMemoryKeys(); // the pass before's; this one makes its own
    error = m_handler->begin(*m_context);
    if (error.kind == DbError::Kind::Unreachable)
        return reconnect(error, [this] { beginEntityPass(); });
    if (error.isError())
        return failOnDatabase(error);
    // A pass over every record tells deletions by absence; a resumed one only if the interrupted
    // pass noted what it saw from its first page on.
    m_reconciling = m_since.isEmpty() && reconcile::appliesTo(*m_context)
        && (!resumed || checkpoint.value(QLatin1String("reconcile")).toBool());
    if (m_reconciling && !resumed) {
        m_reconciling = reconcile::hasMappings(*m_db, m_context->entity, &error);
        if (error.kind == DbError::Kind::Unreachable)
            return reconnect(error, [this] { beginEntityPass(); });
        if (error.isError())
            return failOnDatabase(error);
    }
    if (m_reconciling) {
        error = reconcile::beginPass(*m_db, m_context->entity, resumed);
        if (error.kind == DbError::Kind::Unreachable)
            return reconnect(error, [this] { beginEntityPass(); });
        if (error.isError())
            return failOnDatabase(error);
    }
    startSource(
        m_options.dryRun ? QString() : checkpoint.value(QLatin1String("position")).toString());
}

void SyncEngine::startSource(const QString &resumePosition)
{
    m_stageOnArrival = false;
    const QList<EntityHandler::Source> sources = m_handler->sources(*m_context);
    if (m_sourceIndex >= sources.size()) {
        m_pager = nullptr;
        return completeEntity();
    }
    const EntityHandler::Source &source = sources.at(m_sourceIndex);
    m_sourceDeletions = source.deletions;
    const QUrlQuery query = sourceQuery(source, m_since);
    Pager *adopted = adoptPrefetch(source.endpoint.path, query, resumePosition);
    std::optional<ApiPage> arrived;
    if (adopted && m_prefetch->page)
        arrived = std::move(m_prefetch->page);
    // A first page asked for during the pass before was read before this pass began.
    if (adopted && !m_passStarted.isEmpty() && m_prefetch->askedAt < m_passStarted)
        m_passStarted = m_prefetch->askedAt;
    dropPrefetch();
    auto *pager
        = adopted ? adopted : new Pager(m_client, source.endpoint, query, m_options.pageSize, this);
    // A source is read to its end: each page's next one travels while the page is handed on.
    pager->setReadAhead(true);
    // The source's pages are staged on the worker as soon as they are parsed, while the pages
    // before them are written.
    if (m_feed)
        m_feed->close();
    m_feed.reset();
    if (m_pipelined) {
        m_feed = std::make_shared<StageFeed>(m_stager.get(),
            StageSource { m_handler, m_context->entity, source.deletions, m_context->lookups,
                listsEveryRecord(source, query) },
            this, [this] { writeWaitingPages(); });
        pager->setOnItems([feed = m_feed](const json::Array &items) { feed->push(items); });
    }
    pager->setRetryPolicy(m_options.retry);
    connect(pager, &Pager::pageReady, this, &SyncEngine::onPage);
    connect(pager, &Pager::failed, this, &SyncEngine::onApiFailed);
    connect(pager, &Pager::retrying, this, [this](const ApiError &error, int, int delayMs) {
        m_status = error.kind == ApiError::Kind::RateLimited
            ? tr("waiting %1 s for Pipedrive's rate limit").arg((delayMs + 999) / 1000)
            : tr("retrying in %1 s: %2").arg((delayMs + 999) / 1000).arg(error.message);
        emitProgress(true);
    });
    m_pager = pager;
    if (!adopted) {
        if (!resumePosition.isEmpty())
            pager->resumeFrom(resumePosition);
        pager->fetchNext();
    } else {
        ++m_summary.sourcesPrefetched;
        // It was asked for before there was a feed: staged from here, once here.
        m_stageOnArrival = true;
        if (arrived) {
            QMetaObject::invokeMethod(
                this, [this, page = *arrived] { onPage(page); }, Qt::QueuedConnection);
        }
    }
    // The next source's first page travels while this source's pages do.
    prefetchNextSource();
}

QString SyncEngine::sinceMark(const QString &mark) const
{
    if (m_options.full)
        return {};
    const QDateTime time = mapping::parsePipedriveTime(mark);
    return time.isValid() ? time.addSecs(-IncrementalOverlapSeconds).toString(Qt::ISODate)
                          : QString();
}

void SyncEngine::prefetchNextSource()
{
    // Not in the middle of a page's write: the next entity's pass is read from the database.
    if (!m_options.prefetchSources || m_prefetch || m_finished || m_writing || m_cancel.load()
        || !m_handler)
        return;
    int entityIndex = m_entityIndex;
    int sourceIndex = m_sourceIndex + 1;
    QString since = m_since;
    QList<EntityHandler::Source> sources = m_handler->sources(*m_context);
    if (sourceIndex >= sources.size()) {
        entityIndex = m_entityIndex + 1;
        sourceIndex = 0;
        sources.clear();
        // Read as beginEntityPass() will (nothing writes them before): a pass that resumes from
        // a checkpoint is not asked for ahead. Any error is left to that pass to meet.
        DbError error;
        if (entityIndex < m_options.entities.size()) {
            const Entity entity = m_options.entities.at(entityIndex);
            const QString name = entityName(entity);
            const bool resumes
                = !m_options.dryRun && !m_context->journal.checkpoint(name, &error).isEmpty();
            const QString mark = m_options.full || resumes || error.isError()
                ? QString()
                : m_context->journal.highWaterMark(name, &error);
            if (!resumes && error.isOk())
                sources = EntityHandler::create(entity)->sources(*m_context);
            since = sinceMark(mark);
        }
        // Decided once for this source, the last one included: nothing asked for (no pager),
        // nothing to adopt, and not asked again on every page.
        if (sources.isEmpty() || error.isError()) {
            m_prefetch
                = Prefetch { entityIndex, sourceIndex, {}, {}, nullptr, std::nullopt, false };
            return;
        }
    }
    const EntityHandler::Source &source = sources.at(sourceIndex);
    const QUrlQuery query = sourceQuery(source, since);
    auto *pager = new Pager(m_client, source.endpoint, query, m_options.pageSize, this);
    pager->setRetryPolicy(m_options.retry);
    m_prefetch = Prefetch { entityIndex, sourceIndex, source.endpoint.path,
        query.toString(QUrl::FullyEncoded), pager, std::nullopt, false,
        QDateTime::currentDateTimeUtc().toString(Qt::ISODate) };
    connect(pager, &Pager::pageReady, this, [this, pager](const ApiPage &page) {
        if (m_prefetch && m_prefetch->pager == pager)
            m_prefetch->page = page;
    });
    connect(pager, &Pager::failed, this, [this, pager](const ApiError &) {
        if (m_prefetch && m_prefetch->pager == pager)
            m_prefetch->failed = true;
    });
    pager->fetchNext();
}

Pager *SyncEngine::adoptPrefetch(
    const QString &path, const QUrlQuery &query, const QString &resumePosition)
{
    if (!m_prefetch || !m_prefetch->pager || m_prefetch->failed
        || m_prefetch->entityIndex != m_entityIndex || m_prefetch->sourceIndex != m_sourceIndex
        || !resumePosition.isEmpty() || m_prefetch->path != path
        || m_prefetch->query != query.toString(QUrl::FullyEncoded))
        return nullptr;
    Pager *pager = m_prefetch->pager;
    m_prefetch->pager = nullptr; // not dropped with the rest
    disconnect(pager, nullptr, this, nullptr);
    return pager;
}

void SyncEngine::dropPrefetch()
{
    if (!m_prefetch)
        return;
    if (Pager *pager = m_prefetch->pager) {
        disconnect(pager, nullptr, this, nullptr);
        pager->cancel();
        pager->deleteLater();
    }
    m_prefetch.reset();
}

void SyncEngine::onPage(const ApiPage &page)
{
    if (m_finished)
        return;
    if (checkCancelled())
        return stopCancelled();
    if (std::exchange(m_stageOnArrival, false) && m_feed)
        m_feed->push(page.items);
    m_waiting.append({ page, m_feed ? m_feed->take(page.items) : nullptr });
    // Taken in the middle of writing a page (see writePage()): only the next request goes out.
    if (m_writing)
        return fetchAhead();
    writeWaitingPages();
}

void SyncEngine::fetchAhead()
{
    // Overlap: the next pages travel (and are staged) while this one is written, but never more
    // than two ahead: a page waiting for a reconnect holds the next ones back.
    Pager *pager = m_pager;
    const bool lastKnown = std::any_of(
        m_waiting.cbegin(), m_waiting.cend(), [](const WaitingPage &w) { return w.page.last; });
    if (!lastKnown && pager && m_waiting.size() < (m_pipelined ? 3 : 2) && !pager->isBusy()
        && !pager->atEnd())
        pager->fetchNext();
    // If startSource() could not ask for the next source's first page.
    if (pager)
        prefetchNextSource();
}

void SyncEngine::writeWaitingPages()
{
    endIdle();
    // A transaction left open for the next page waits for it for a while only, from here.
    const auto waitForNext = qScopeGuard([this] {
        if (m_joinWait && !m_finished && !m_writing && !m_uncommitted.isEmpty()
            && !m_joinWait->isActive())
            m_joinWait->start();
        noteIdle();
    });
    while (!m_finished && !m_reconnecting && !m_writing && !m_waiting.isEmpty()) {
        WaitingPage waiting = m_waiting.constFirst();
        const ApiPage &page = waiting.page;
        Pager *pager = m_pager;
        fetchAhead();
        // Written once staged: the feed calls again then. This thread would only wait
        // meanwhile: it maps records of the page with the worker once they are staged.
        if (waiting.staged && !waiting.staged->done) {
            if (waiting.staged->mappable && waiting.staged->mapRecords()) {
                ++m_summary.pagesMappedHere;
                continue;
            }
            return;
        }
        m_status = tr("fetching");
        if (m_joinWait)
            m_joinWait->stop();
        m_writing = true;
        const PageWrite written = writePage(waiting);
        m_writing = false;
        // Left open for the next page (nextPageJoins()), or committed with the pages before it.
        const bool open
            = written == PageWrite::Written && !m_options.dryRun && m_db->inTransaction();
        if (written == PageWrite::Written) {
            if (stagedAhead(waiting))
                ++m_summary.pagesStagedAhead;
            m_waiting.removeFirst();
            if (!open) {
                for (WaitingPage &before : m_uncommitted)
                    releaseWritten(before);
                m_uncommitted.clear();
            }
        }
        if (m_deferredFailure) {
            const ApiError failure = *m_deferredFailure;
            m_deferredFailure.reset();
            return onApiFailed(failure);
        }
        if (written == PageWrite::Reconnect)
            return reconnect(m_connectionError, [this] { writeWaitingPages(); });
        if (written == PageWrite::Again)
            continue;
        if (written == PageWrite::Stopped)
            return;
        emitProgress(false);
        const bool last = page.last;
        // The next page joins the open transaction: now, without a turn of the event loop, if
        // it is here and staged; else once it is, if that is soon (waitForNext).
        if (open) {
            // Kept to be written again should the transaction be lost: its JSON, staged again
            // then (its staged records were most of a page's memory).
            if (m_stager)
                m_stager->release(std::move(waiting.staged), {});
            m_uncommitted.append(std::move(waiting));
            continue;
        }
        releaseWritten(waiting);
        if (last) {
            m_waiting.clear();
            if (pager)
                pager->deleteLater();
            ++m_sourceIndex;
            return startSource();
        }
        // Back to the event loop between pages, also when the next one is here already: timers
        // (retries, timeouts) and deferred deletions (the pages' requests) get their turn.
        if (!m_waiting.isEmpty()) {
            QMetaObject::invokeMethod(this, &SyncEngine::writeWaitingPages, Qt::QueuedConnection);
            return;
        }
    }
}

void SyncEngine::noteIdle()
{
    Idle now = Idle::No;
    if (!m_finished && !m_reconnecting && !m_writing) {
        if (m_waiting.isEmpty())
            now = Idle::ForAnswer;
        else if (const auto &staged = m_waiting.constFirst().staged; staged && !staged->done)
            now = Idle::ForStaging;
    }
    if (now == m_idle)
        return;
    endIdle();
    m_idle = now;
    if (now != Idle::No)
        m_idleClock.start();
}

void SyncEngine::endIdle()
{
    if (m_idle == Idle::No)
        return;
    (m_idle == Idle::ForAnswer ? m_answerWaitNs : m_stagingWaitNs) += m_idleClock.nsecsElapsed();
    m_idle = Idle::No;
}

bool SyncEngine::nextPageJoins() const
{
    // Not past a failure or a cancel that the page's write took in. A next page still on its way
    // or being staged is waited for a while (SyncOptions::pageJoinWaitMs; waiting for staged
    // pages alone, measured before: 20k 46 pages in 19 transactions instead of 26, `pwrite()`s
    // -7.5% at 100k, the wall time the same: most pages were still on their way).
    if (m_options.dryRun || m_deferredFailure || m_cancel.load())
        return false;
    if (m_options.pageJoinWaitMs > 0)
        return true;
    if (m_waiting.size() < 2)
        return false;
    const WaitingPage &next = m_waiting.at(1);
    return !next.staged || next.staged->done;
}

bool SyncEngine::commitOpenPages(bool mayReconnect)
{
    endIdle(); // a commit is work, not waiting, whoever asks for it
    if (m_joinWait)
        m_joinWait->stop();
    if (m_options.dryRun || m_uncommitted.isEmpty() || !m_db || !m_db->inTransaction())
        return true;
    const DbError error = commitTransaction(m_uncommitted.size());
    if (error.isOk()) {
        for (WaitingPage &page : m_uncommitted)
            releaseWritten(page);
        m_uncommitted.clear();
        m_context->store.refreshPlannerStatistics();
        return true;
    }
    // The pages are written again after a reconnect, or the run stops.
    rollBackTransaction(m_countsAtBegin, m_maxUpdateAtBegin);
    if (error.kind == DbError::Kind::Unreachable && mayReconnect) {
        writeUncommittedAgain();
        reconnect(error, [this] { writeWaitingPages(); });
        return false;
    }
    m_uncommitted.clear();
    failOnDatabase(error);
    return false;
}

void SyncEngine::writeUncommittedAgain()
{
    m_waiting = m_uncommitted + m_waiting;
    m_uncommitted.clear();
}

DbError SyncEngine::commitTransaction(qsizetype pages)
{
    const DbError committed = m_db->commit();
    if (committed.isOk()) {
        harvestCommitted();
        m_summary.pagesWritten += pages;
        ++m_summary.pageTransactions;
        if (m_undo)
            m_undo->committed();
        if (m_hasher)
            m_hasher->committed();
    }
    return committed;
}

void SyncEngine::rollBackTransaction(const RunCounts &counts, const QString &maxUpdate)
{
    m_db->rollback();
    SyncContext &context = *m_context;
    context.store.dropHarvest();
    context.journal.discardProblems();
    if (m_undo)
        m_undo->rolledBack();
    if (m_hasher)
        m_hasher->rolledBack();
    context.store.discardCache();
    context.counts = counts;
    m_maxUpdate = maxUpdate;
}

void SyncEngine::harvestCommitted()
{
    if (m_stager)
        m_stager->harvest(m_context->store.takeHarvest());
}

void SyncEngine::releaseWritten(WaitingPage &page)
{
    // The page's JSON and staged records are freed on the stage worker's thread (freeing them
    // was a few percent of this thread's time): the last references are these.
    if (m_stager)
        m_stager->release(std::move(page.staged), std::exchange(page.page.items, {}));
}

const StagedPage *SyncEngine::stagedAhead(const WaitingPage &waiting)
{
    // Staged ahead on the worker's connection, unless that failed for the page.
    const StagedPage *staged = waiting.staged.get();
    return staged && staged->done && staged->pageError.isOk()
            && staged->records.size() == size_t(waiting.page.items.size())
        ? staged
        : nullptr;
}

SyncEngine::PageWrite SyncEngine::writePage(const WaitingPage &waiting)
{
    const ApiPage &page = waiting.page;
    const StagedPage *ahead = stagedAhead(waiting);
    SyncContext &context = *m_context;
    Database &db = *m_db;
    const RunCounts before = context.counts;
    const QString maxUpdateBefore = m_maxUpdate;
    // The transaction of the pages written before this one is open: the page joins it (see
    // SyncOptions::maxPagesPerTransaction). Without a savepoint of its own: SQLite would keep a
    // copy of every database page it changes until it ends, in memory (a 500k sync's peak +8 MB,
    // growing with the account's indexes); a page that has to go back takes its transaction with
    // it, and the pages before it are written again (writeAgainCarefully()).
    const bool joined = !m_options.dryRun && db.inTransaction();
    auto rollBack = [&] {
        rollBackTransaction(
            joined ? m_countsAtBegin : before, joined ? m_maxUpdateAtBegin : maxUpdateBefore);
    };
    // A record refused in a page written without a savepoint per record: the transaction rolls
    // back, and the page is written again, each record in a savepoint, behind the pages that
    // were in the transaction before it, written again too.
    auto writeAgainCarefully = [&] {
        rollBack();
        if (!joined) {
            m_carefulPage = true;
            const PageWrite written = writePage(waiting);
            m_carefulPage = false;
            return written;
        }
        Q_ASSERT(!m_waiting.isEmpty() && m_waiting.constFirst().page.items.sameAs(page.items));
        m_waiting.first().careful = true;
        writeUncommittedAgain();
        return PageWrite::Again;
    };

    auto abortPage = [&](const DbError &error, SyncOutcome outcome) {
        // The whole transaction rolls back, with the pages written in it before this one. (A
        // dry run's one transaction goes with it: the run stops.) A cancel comes between pages
        // of a transaction (see below): the pages before it were committed.
        rollBack();
        // The connection is gone, and the transaction with it: write the same pages again once
        // it is back.
        if (error.kind == DbError::Kind::Unreachable && outcome == SyncOutcome::Failed
            && !m_options.dryRun) {
            m_connectionError = error;
            writeUncommittedAgain();
            return PageWrite::Reconnect;
        }
        m_uncommitted.clear();
        // finishRun() stops the pager (after the outcome is set: cancelling it reports at once).
        if (outcome == SyncOutcome::Cancelled) {
            m_summary.outcome = outcome;
            finishEntity(outcome, tr("Cancelled."));
            finishRun();
        } else {
            failOnDatabase(error);
        }
        return PageWrite::Stopped;
    };

    context.store.setNow(QDateTime::currentDateTimeUtc());
    StageContext &stage = context.stage;
    stage.entity = context.entity;
    stage.deletionsSource = m_sourceDeletions;
    stage.pageRefs.clear();
    stage.recordIndex = -1;
    DbError error;
    if (!joined && !m_options.dryRun) {
        Q_ASSERT(m_uncommitted.isEmpty());
        error = db.beginTransaction();
        m_countsAtBegin = before;
        m_maxUpdateAtBegin = maxUpdateBefore;
    }
    context.store.beginPage();
    // Each record in a savepoint: one the database refuses fails alone, the page goes on.
    // A page is first written without them (two statements per record less); should a record
    // fail, the transaction is rolled back and the page written again, each record in its
    // savepoint (writeAgainCarefully()). (Not for the one transaction of a dry run, nor for
    // users: their password hashes are queued by id.)
    const bool careful
        = m_carefulPage || waiting.careful || m_options.dryRun || context.entity == Entity::Users;
    // Without savepoints the page's new rows, its new mappings and its problems go in together
    // after its records (and on no way out of here later: a rolled-back transaction drops them,
    // see rollBack()).
    context.store.setDeferInserts(!careful);
    context.store.setDeferMappings(!careful);
    context.journal.setDeferProblems(!careful);
    const auto deferOff = qScopeGuard([&context] {
        context.store.setDeferInserts(false);
        context.store.setDeferMappings(false);
        context.journal.setDeferProblems(false);
    });
    stage.handedOver.clear();
    if (ahead) {
        stage.pageRefs = ahead->refs;
        context.store.adoptMappings(ahead->handedOver);
    } else if (error.isOk())
        error = m_handler->stagePage(stage, page.items);
    // Less what the records staged ahead will not look up.
    QList<mapping::RecordRefs> lookups = stage.pageRefs;
    for (qsizetype i = 0; ahead && i < lookups.size() && size_t(i) < ahead->records.size(); ++i) {
        if (const StagedRecord *record = ahead->records.at(size_t(i)).get())
            record->trimLookups(lookups[i]);
    }
    if (error.isOk())
        error = m_handler->beginPage(context, lookups);
    // PostgreSQL only: SQLite answers each lookup in-process, as cheaply as the read ahead.
    if (error.isOk() && ahead && db.isPostgres())
        error = prefetchKeys(context.store, *ahead);
    if (error.isError())
        return abortPage(error, SyncOutcome::Failed);
    // Read by the stage worker when it staged the page.
    const QDateTime pageMaxUpdate = ahead ? ahead->latestUpdate : latestUpdate(page.items);
    // The handler read every item's links in stagePage(), in order.
    const bool refsByIndex = stage.pageRefs.size() == page.items.size();
    qsizetype index = -1;
    // page.items keeps the document for the records read here (json::Object::borrowed()).
    for (const json::Value &value : page.items.borrowed()) {
        ++index;
        stage.recordIndex = refsByIndex ? index : -1;
        // The next page's answer may be here already: taken now (onPage()), its successor is
        // requested at once instead of after this page, and the pipeline stays full.
        if (m_pipelined && index % 64 == 63)
            QCoreApplication::sendPostedEvents(nullptr, QEvent::MetaCall);
        // A page that joined a transaction is written to its end: a cancel then commits it with
        // the pages before it (nextPageJoins()), and the next page stops the run.
        if (!joined && checkCancelled())
            return abortPage({}, SyncOutcome::Cancelled);
        // Records of a deletions list are not imported: they count as deleted, or not at all.
        if (!m_sourceDeletions)
            ++context.counts.fetched;
        if (!value.isObject()) {
            error = context.report(
                std::nullopt, Problem::Kind::Skipped, QStringLiteral("not a JSON object"));
            if (error.isError())
                return abortPage(error, SyncOutcome::Failed);
            continue;
        }
        const json::Object record = value.toObject();
        if (careful) {
            error = db.savepoint(QStringLiteral("record"));
            if (error.isError())
                return abortPage(error, SyncOutcome::Failed);
        }
        const RunCounts beforeRecord = context.counts;
        const qsizetype undoMark = m_undo ? m_undo->mark() : 0;
        StagedRecord *staged = ahead ? ahead->records.at(size_t(index)).get() : nullptr;
        std::unique_ptr<StagedRecord> stagedHere;
        if (!staged || staged->stale(context)) {
            stagedHere = m_handler->stage(stage, record);
            stagedHere->map();
            staged = stagedHere.get();
        }
        error = staged->write(context);
        if (error.isError() && !careful && !isDatabaseWide(error))
            return writeAgainCarefully();
        if (error.isError()) {
            DbError rollbackError = db.rollbackToSavepoint(QStringLiteral("record"));
            // What the page remembered may include the rolled-back writes.
            context.store.discardCache();
            if (m_undo)
                m_undo->rollbackTo(undoMark);
            if (isDatabaseWide(error) || rollbackError.isError())
                return abortPage(
                    isDatabaseWide(error) ? error : rollbackError, SyncOutcome::Failed);
            context.counts = beforeRecord;
            const json::Value id = record.value(QLatin1String("id"));
            error = context.report(
                id.isDouble() ? std::optional<qint64>(qint64(id.toDouble())) : std::nullopt,
                Problem::Kind::Failed, QStringLiteral("the database refused the record"),
                error.toString());
            if (error.isError())
                return abortPage(error, SyncOutcome::Failed);
        }
        if (careful) {
            error = db.releaseSavepoint(QStringLiteral("record"));
            if (error.isError())
                return abortPage(error, SyncOutcome::Failed);
        }
    }
    stage.recordIndex = -1;
    // The rows and mappings kept back: refused, they fail the page as a record would, and it is
    // written again record by record (without keeping any back) to find which one it was.
    if (!context.store.flushRows(&error) || !context.store.flushMappings(&error)) {
        if (!careful && !isDatabaseWide(error))
            return writeAgainCarefully();
        return abortPage(error, SyncOutcome::Failed);
    }
    context.store.setDeferInserts(false);
    context.store.setDeferMappings(false);
    context.journal.setDeferProblems(false);
    error = context.journal.flushProblems();
    if (error.isError())
        return abortPage(error, SyncOutcome::Failed);
    // Formatted once a page, not per record (it was a measurable share of a sync's time).
    if (pageMaxUpdate.isValid()) {
        const QString mark = pageMaxUpdate.toString(Qt::ISODate);
        if (m_maxUpdate.isEmpty() || mark > m_maxUpdate)
            m_maxUpdate = mark;
    }

    // The ids a full pass saw, for the deletions at its end: committed with the page, so that a
    // resumed pass knows them too.
    if (m_reconciling)
        error = reconcile::recordSeen(db, context.entity, page.items);
    if (error.isError())
        return abortPage(error, SyncOutcome::Failed);
    // A dry run goes on in its one transaction: no checkpoint, no commit.
    if (m_options.dryRun)
        return PageWrite::Written;

    // Where to go on from, committed with the page.
    QJsonObject checkpoint { { QStringLiteral("source"),
                                 page.last ? m_sourceIndex + 1 : m_sourceIndex },
        { QStringLiteral("position"), page.last ? QString() : page.nextPosition },
        { QStringLiteral("since"), m_since }, { QStringLiteral("max_update"), m_maxUpdate },
        { QStringLiteral("started"), m_passStarted }, { QStringLiteral("run_id"), context.runId },
        { QStringLiteral("reconcile"), m_reconciling } };
    error = context.journal.setCheckpoint(entityName(context.entity), checkpoint);
    // New users' password hashes that finished meanwhile ride along with this page.
    if (error.isOk() && m_hasher)
        m_hasher->apply(db, &error);
    // What the page changed, for undo: in the same transaction.
    if (error.isOk() && m_undo)
        error = m_undo->flush();
    if (error.isError())
        return abortPage(error, SyncOutcome::Failed);
    // The next page is here and staged: written at once, in this transaction. (Answers parsed
    // meanwhile are taken in first, as every 64 records above.)
    if (!page.last && m_uncommitted.size() + 1 < m_options.maxPagesPerTransaction) {
        QCoreApplication::sendPostedEvents(nullptr, QEvent::MetaCall);
        if (nextPageJoins())
            return PageWrite::Written;
    }
    error = commitTransaction(m_uncommitted.size() + 1);
    if (error.isError())
        return abortPage(error, SyncOutcome::Failed);
    context.store.refreshPlannerStatistics();
    return PageWrite::Written;
}

void SyncEngine::completeEntity()
{
    SyncContext &context = *m_context;
    const QString name = entityName(context.entity);
    const RunCounts countsBefore = context.counts;
    DbError error = m_options.dryRun ? DbError() : m_db->beginTransaction();
    // A full pass is complete: the mapped records it did not list were deleted in Pipedrive.
    if (error.isOk() && m_reconciling) {
        context.store.setNow(QDateTime::currentDateTimeUtc());
        error = reconcile::finishPass(context, m_undo.get());
    }
    if (m_options.dryRun && error.isError()) {
        context.counts = countsBefore;
        return failOnDatabase(error);
    }
    if (!m_options.dryRun) {
        if (error.isOk() && m_undo)
            error = m_undo->flush();
        if (error.isOk())
            error = context.journal.setCheckpoint(name, {});
        if (error.isOk() && !m_maxUpdate.isEmpty()) {
            // Lists come by id, so a record read early and changed before the pass ends has an
            // update_time below a later record's: the mark stops at the pass's start, so that the
            // next run asks for what changed from then on (the overlap allows for the two clocks).
            const QString mark = !m_passStarted.isEmpty() && m_passStarted < m_maxUpdate
                ? m_passStarted
                : m_maxUpdate;
            // The mark only moves forward: a filtered pass that saw nothing keeps the old one.
            const QString old = context.journal.highWaterMark(name, &error);
            if (error.isOk() && (old.isEmpty() || mark > old))
                error = context.journal.setHighWaterMark(name, mark);
        }
        if (error.isOk())
            error = m_db->commit();
        if (error.isOk())
            harvestCommitted();
        if (error.isOk() && m_undo)
            m_undo->committed();
        if (error.isError()) {
            m_db->rollback();
            context.store.dropHarvest();
            if (m_undo)
                m_undo->rolledBack();
            context.counts = countsBefore;
            if (error.kind == DbError::Kind::Unreachable)
                return reconnect(error, [this] { completeEntity(); });
            return failOnDatabase(error);
        }
    }
    const RunCounts &counts = context.counts;
    const SyncOutcome outcome = counts.skipped + counts.failed > 0
        ? SyncOutcome::FinishedWithProblems
        : SyncOutcome::Succeeded;
    finishEntity(outcome, QString());
    startEntity(m_entityIndex + 1);
}

void SyncEngine::finishEntity(SyncOutcome outcome, const QString &message)
{
    SyncContext &context = *m_context;
    context.counts.requests = m_client->requestCount() - m_requestsAtStart;
    context.counts.tokens = m_client->tokensSpent() - m_tokensAtStart;
    // The next pass's first page, asked for ahead, counts for that pass (startEntity()), which
    // follows a pass that finished.
    const bool goesOn
        = outcome == SyncOutcome::Succeeded || outcome == SyncOutcome::FinishedWithProblems;
    if (goesOn && m_prefetch && m_prefetch->entityIndex != m_entityIndex && m_prefetch->pager) {
        context.counts.requests -= m_prefetch->pager->responses();
        context.counts.tokens -= m_prefetch->pager->tokens();
    }
    m_result.counts = context.counts;
    m_result.outcome = outcome;
    m_result.message = message;
    m_result.finishedAt = QDateTime::currentDateTimeUtc();
    // (A dry run's rows are finished after its rollback, in finishDryRun().)
    if (m_db && m_db->isOpen() && !m_options.dryRun) {
        // Outside the page transactions: the run's row records even a failed or cancelled pass.
        DbError error = context.journal.finishRun(
            context.runId, context.counts, outcomeName(outcome), message);
        if (error.kind == DbError::Kind::Unreachable && m_db->reopen().isOk())
            error = context.journal.finishRun(
                context.runId, context.counts, outcomeName(outcome), message);
        if (error.isError())
            qCWarning(lcSync) << "could not record the run:" << error.toString();
    }
    m_status = outcomeName(outcome);
    emitProgress(true);
    m_summary.entities.append(m_result);
    emit entityFinished(m_result);
}

void SyncEngine::onApiFailed(const ApiError &error)
{
    if (m_finished)
        return;
    // Come in the middle of writing a page: handled once it is written (or rolled back).
    if (m_writing) {
        if (!m_deferredFailure)
            m_deferredFailure = error;
        return;
    }
    // The pages written while the next one was on its way are kept, as if each had been
    // committed at once. (Should that fail, the database's failure stops the run.)
    if (!commitOpenPages(false))
        return;
    const bool cancelled = error.kind == ApiError::Kind::Cancelled || checkCancelled();
    m_summary.outcome = cancelled ? SyncOutcome::Cancelled : SyncOutcome::Failed;
    m_reconnecting = false;
    if (!cancelled) {
        m_summary.apiError = error;
        if (stopsResumably(error))
            m_summary.apiError.message += QLatin1Char(' ') + resumeNote();
    }
    const QString message = cancelled ? tr("Cancelled.") : m_summary.apiError.message;
    if (m_entityIndex >= 0 && m_entityIndex < m_options.entities.size())
        finishEntity(m_summary.outcome, message);
    m_summary.message = message;
    finishRun();
}

void SyncEngine::failOnDatabase(const DbError &error)
{
    if (m_finished)
        return;
    m_reconnecting = false;
    m_summary.dbError = error;
    if (stopsResumably(error))
        m_summary.dbError.message += QLatin1Char(' ') + resumeNote();
    m_summary.outcome = SyncOutcome::Failed;
    m_summary.message = m_summary.dbError.message;
    // The pass was started (it has a run row): record how it ended.
    if (m_context && m_context->runId > 0 && m_entityIndex >= 0
        && m_entityIndex < m_options.entities.size())
        finishEntity(SyncOutcome::Failed, m_summary.dbError.message);
    finishRun();
}

void SyncEngine::reconnect(const DbError &error, std::function<void()> then)
{
    if (m_finished)
        return;
    // A dry run's one transaction went with the connection: there is nothing to go on with.
    if (m_options.dryRun)
        return failOnDatabase(error);
    qCWarning(lcSync).noquote() << "lost the database connection:" << error.toString();
    m_db->close();
    m_reconnecting = true;
    m_reconnectAttempt = 0;
    m_connectionError = error;
    m_afterReconnect = std::move(then);
    // A request in flight finishes and its page waits; nothing new is fetched meanwhile.
    m_status = tr("the database connection was lost: reconnecting");
    emitProgress(true);
    scheduleReconnect();
}

void SyncEngine::scheduleReconnect()
{
    const RetryPolicy &policy = m_options.retry;
    if (m_reconnectAttempt >= policy.dbReconnectAttempts) {
        DbError error = m_connectionError;
        error.message = tr("Lost the connection to the database and could not reconnect (%1 "
                           "attempts): %2")
                            .arg(m_reconnectAttempt)
                            .arg(m_connectionError.message);
        return failOnDatabase(error);
    }
    const int delay = int(qMin<qint64>(
        qint64(qMax(1, policy.dbReconnectDelayMs)) << qMin(m_reconnectAttempt, 8), 8000));
    ++m_reconnectAttempt;
    QTimer::singleShot(delay, this, &SyncEngine::tryReconnect);
}

void SyncEngine::tryReconnect()
{
    if (m_finished || !m_reconnecting)
        return;
    if (checkCancelled())
        return stopCancelled();
    DbError error = m_db->reopen();
    // What the pass kept in the session (the handler's TEMP key tables) went with the old
    // connection: set it up again before the page is written once more.
    if (error.isOk() && m_handler && m_context)
        error = m_handler->begin(*m_context);
    if (error.isError()) {
        qCInfo(lcSync).noquote() << "reconnect attempt" << m_reconnectAttempt
                                 << "failed:" << error.toString();
        m_connectionError = error;
        if (error.kind == DbError::Kind::Unreachable)
            return scheduleReconnect();
        return failOnDatabase(error);
    }
    qCInfo(lcSync) << "reconnected to the database after" << m_reconnectAttempt << "attempts";
    m_reconnecting = false;
    m_status = tr("reconnected to the database");
    emitProgress(true);
    const std::function<void()> then = std::move(m_afterReconnect);
    m_afterReconnect = nullptr;
    then();
}

void SyncEngine::failRun(const QString &message)
{
    m_summary.outcome = SyncOutcome::Failed;
    m_summary.message = message;
    finishRun();
}

void SyncEngine::finishRun()
{
    if (m_finished)
        return;
    // Nothing stops the run with a transaction left open for a page (onApiFailed() commits it
    // first); should a way come to, what was written is kept.
    if (!commitOpenPages(false))
        return;
    m_finished = true;
    cancelPagers();
    if (m_hasher) {
        // A cancelled run does not wait, nor one the database stopped (the hashes could not be
        // stored): the next run finds those users and hashes them then. Otherwise, finished or
        // failed (the API stopped it), the run ends with every new user's hash in place: which
        // users have one must not depend on how much idle time the background hashers found.
        if (m_summary.outcome == SyncOutcome::Cancelled || m_summary.dbError.isError())
            m_hasher->abandon();
        m_hasher->waitForAll();
        if (m_db && m_db->isOpen() && m_hasher->pending() > 0) {
            DbError error = m_db->beginTransaction();
            if (error.isOk())
                m_hasher->apply(*m_db, &error);
            error = error.isOk() ? m_db->commit() : (m_db->rollback(), error);
            if (error.isOk())
                m_hasher->committed();
            else
                m_hasher->rolledBack();
            if (error.isError())
                qCWarning(lcSync) << "could not store new users' password hashes:"
                                  << error.toString();
        }
        m_context->hasher = nullptr;
        m_hasher.reset();
    }
    if (m_options.dryRun)
        finishDryRun();
    if (m_summary.outcome == SyncOutcome::Succeeded) {
        for (const EntityResult &result : std::as_const(m_summary.entities)) {
            if (result.outcome == SyncOutcome::FinishedWithProblems)
                m_summary.outcome = SyncOutcome::FinishedWithProblems;
        }
    }
    if (m_summary.outcome == SyncOutcome::Cancelled && m_summary.message.isEmpty())
        m_summary.message = tr("Cancelled.");
    if (m_client) {
        m_summary.requests = m_client->requestCount();
        m_summary.tokens = m_client->tokensSpent();
    }
    m_summary.answerWaitMs = m_answerWaitNs / 1000000;
    m_summary.stagingWaitMs = m_stagingWaitNs / 1000000;
    m_handler.reset();
    emit finished(m_summary);
}

void SyncEngine::finishDryRun()
{
    if (!m_db || !m_db->isOpen() || !m_context)
        return;
    // Everything the dry run wrote goes; its run rows stay, with what it would have done.
    if (m_db->inTransaction())
        m_db->rollback();
    QList<qint64> unused = m_dryRunIds;
    DbError error;
    for (const EntityResult &result : std::as_const(m_summary.entities)) {
        unused.removeAll(result.runId);
        if (error.isOk())
            error = m_context->journal.finishRun(
                result.runId, result.counts, outcomeName(result.outcome), result.message);
    }
    // Entities it never reached leave no history.
    for (qint64 id : std::as_const(unused)) {
        if (id <= 0 || error.isError())
            continue;
        QSqlQuery *q = m_context->store.query(
            QStringLiteral("DELETE FROM pipedrive_sync_runs WHERE id = ?"), { id }, &error);
        if (q)
            q->finish();
    }
    if (error.isError())
        qCWarning(lcSync) << "could not record the dry run:" << error.toString();
}

void SyncEngine::emitProgress(bool force)
{
    // A few updates a second are enough for any progress bar.
    if (!force && m_progressClock.isValid() && m_progressClock.elapsed() < 200)
        return;
    m_progressClock.start();
    SyncProgress value;
    value.entity = m_context->entity;
    value.counts = m_context->counts;
    value.done = m_context->counts.fetched;
    const double seconds = m_entityClock.elapsed() / 1000.0;
    value.recordsPerSecond = seconds > 0 ? value.done / seconds : 0;
    value.status = m_status;
    value.rateLimit = m_client->lastRateLimit();
    emit progress(value);
}

QString outcomeName(SyncOutcome outcome)
{
    switch (outcome) {
    case SyncOutcome::Succeeded:
        return QStringLiteral("succeeded");
    case SyncOutcome::FinishedWithProblems:
        return QStringLiteral("finished-with-problems");
    case SyncOutcome::Cancelled:
        return QStringLiteral("cancelled");
    case SyncOutcome::Failed:
        return QStringLiteral("failed");
    }
    return {};
}

RunCounts RunSummary::totals() const
{
    RunCounts sum;
    for (const EntityResult &result : entities)
        sum += result.counts;
    return sum;
}

} // namespace pds
