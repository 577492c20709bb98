#pragma once

#include "api/apierror.h"
#include "api/pager.h"
#include "db/databaseconfig.h"
#include "db/dberror.h"
#include "db/runcounts.h"
#include "mapping/mapping.h"
#include "sync/entity.h"

#include <QDateTime>
#include <QList>
#include <QUrl>

namespace pds {

enum class DeletionPolicy { Report, Delete };

// Everything one run needs, as a value: the front end fills it, the worker thread owns a copy.
struct SyncOptions
{
    QUrl baseUrl;
    QString token; // never logged
    DatabaseConfig database;
    QList<Entity> entities = allEntities();
    bool full = false; // re-read everything instead of since the high-water marks
    bool dryRun = false; // everything but the commit
    int pageSize = 500;
    int requestTimeoutMs = 60000;
    RetryPolicy retry;
    DeletionPolicy deletionPolicy = DeletionPolicy::Report;
    mapping::MappingOptions mapping;
    qint64 defaultOwnerUserId = 0; // CRM users.id picked in settings; 0 = the token's own user
    int bcryptCost = 12; // Devise's; tests lower it
    // Threads hashing new users' passwords at idle priority while the run goes on
    // (PasswordHasher: 0 one less than the cores; -1 none, as if they never found an idle core:
    // tests), the rest hashed at the run's end.
    int backgroundHashers = 0;
    // Stage and map the next pages on a second connection and thread while one is written (the
    // result is the same; tests compare the two).
    bool stageAhead = true;
    // Pages written back to back share a transaction, up to this many (1: one each). The
    // result is the same; tests compare the two.
    int maxPagesPerTransaction = 4;
    // A page written while the next one of its list is still on its way, or being staged, leaves
    // its transaction open for that page for at most this long, then commits: the CRM's other
    // writers wait that much longer at most (within their busy timeout). Where pages come fast
    // (the local fake) a transaction takes up to maxPagesPerTransaction pages instead of ~2, and
    // the commits' rewrites of the same index pages into SQLite's log are that much fewer
    // (100k: 100 transactions and 80 MB of log frames against 57 and 57 MB). Where they come over
    // the internet, the wait runs out first. 0: commit at once.
    int pageJoinWaitMs = 20;
    // Ask for the next source's first page (the next entity's, or the same entity's next list)
    // as soon as the current source starts, so that its round trip overlaps the current source's
    // (a round trip saved per source where Pipedrive is far). The result is the same; tests
    // compare the two.
    bool prefetchSources = true;
};

enum class SyncOutcome {
    Succeeded, // everything imported
    FinishedWithProblems, // imported, with skipped or failed records
    Cancelled,
    Failed, // stopped: see the error
};
QString outcomeName(SyncOutcome outcome);

// A progress report: a value, throttled by the engine before it is sent (a few per second).
struct SyncProgress
{
    Entity entity = Entity::Users;
    qint64 done = 0; // records handled so far in this entity
    qint64 total = -1; // -1 when Pipedrive does not say
    double recordsPerSecond = 0;
    qint64 secondsLeft = -1; // -1 when unknown
    RunCounts counts;
    QString status; // short words: "fetching", "waiting 2 s for the rate limit", ...
    RateLimitInfo rateLimit; // the last limits Pipedrive reported (budget left, ...)
};

struct EntityResult
{
    Entity entity = Entity::Users;
    qint64 runId = 0;
    SyncOutcome outcome = SyncOutcome::Succeeded;
    RunCounts counts;
    QDateTime startedAt;
    QDateTime finishedAt;
    QString message;
};

struct RunSummary
{
    SyncOutcome outcome = SyncOutcome::Succeeded;
    QList<EntityResult> entities;
    ApiError apiError; // set when the API stopped the run
    DbError dbError; // set when the database stopped the run
    QString message; // in words, for the user
    bool dryRun = false;
    qint64 requests = 0;
    qint64 tokens = 0;
    qint64 pagesStagedAhead = 0; // pages written as the stage worker had read and mapped them
    qint64 pagesMappedHere = 0; // of those, whose last records the sync thread mapped, waiting
    qint64 pagesWritten = 0; // pages of records committed (a page written again counts once)
    qint64 pageTransactions = 0; // the transactions that committed them
    qint64 sourcesPrefetched = 0; // sources whose first page was asked for ahead (prefetchSources)
    // The time the sync thread had nothing to write during the passes: waiting for the next
    // page's answer, or for the page the stage worker was still staging.
    qint64 answerWaitMs = 0;
    qint64 stagingWaitMs = 0;

    RunCounts totals() const;
};

} // namespace pds
