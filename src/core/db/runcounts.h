#pragma once

#include <QtGlobal>

namespace pds {

// What one sync run (or one entity's part of it) did, shared by the sync engine, the run
// journal and the front ends.
struct RunCounts
{
    qint64 fetched = 0; // records read from Pipedrive
    qint64 created = 0;
    qint64 updated = 0;
    qint64 unchanged = 0;
    qint64 merged = 0; // folded into an existing row (same email/name)
    qint64 skipped = 0; // not importable (reported as problems)
    qint64 failed = 0;
    qint64 deleted = 0;
    qint64 requests = 0; // HTTP requests made
    qint64 tokens = 0; // Pipedrive API tokens spent

    RunCounts &operator+=(const RunCounts &other)
    {
        fetched += other.fetched;
        created += other.created;
        updated += other.updated;
        unchanged += other.unchanged;
        merged += other.merged;
        skipped += other.skipped;
        failed += other.failed;
        deleted += other.deleted;
        requests += other.requests;
        tokens += other.tokens;
        return *this;
    }

    friend bool operator==(const RunCounts &, const RunCounts &) = default;
};

} // namespace pds
