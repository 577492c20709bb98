#pragma once

#include "db/databaseconfig.h"

#include <QString>
#include <QStringList>
#include <QTemporaryDir>

#include <memory>
#include <optional>

namespace pds::test {

// A fresh, empty database for one test: an SQLite file in a QTemporaryDir, or a new
// PostgreSQL database pds_test_<random> on the server named by PDS_TEST_PG_HOST/PORT/USER,
// dropped again in the destructor. Everything here goes around the code under test (plain
// QSqlDatabase connections, the sqlite3/psql command-line tools when installed).
class ScratchDatabase
{
public:
    // "sqlite" or "postgresql", as the data-driven tests name their rows.
    explicit ScratchDatabase(const QString &backend);
    ~ScratchDatabase();
    ScratchDatabase(const ScratchDatabase &) = delete;
    ScratchDatabase &operator=(const ScratchDatabase &) = delete;

    // False when it could not be made; then skipReason() (no server configured) or error().
    bool isReady() const { return m_ready; }
    QString skipReason() const { return m_skipReason; }
    QString error() const { return m_error; }

    DatabaseConfig config() const { return m_config; }
    bool isPostgres() const { return m_config.isPostgres(); }
    QString directory() const; // SQLite: the temporary folder

    // Runs a script file with sqlite3/psql if installed, else statement by statement.
    bool loadScript(const QString &path, QString *error);
    // Runs statements on a connection of its own (fixtures, checks).
    bool exec(const QStringList &statements, QString *error);
    // One column of a query's rows, as text.
    QStringList queryColumn(const QString &sql, QString *error);

    // Every table, column, index, constraint and sequence outside pipedrive_sync_*, one sorted
    // line each, for comparing two databases.
    QStringList schemaSnapshot(QString *error);

    // The server from the environment, or nullopt and *why.
    static std::optional<DatabaseConfig> postgresServer(QString *why);

private:
    DatabaseConfig m_config;
    std::unique_ptr<QTemporaryDir> m_dir;
    bool m_ready = false;
    QString m_skipReason;
    QString m_error;
};

// The rows "sqlite" and "postgresql" of a data-driven test (column "backend").
void addBackendRows();

} // namespace pds::test

// Declares `var`, a fresh database for the current row's backend; skips the row when no
// PostgreSQL server is configured, fails when one is but cannot be used.
#define PDS_SCRATCH_DATABASE(var)                                                                  \
    QFETCH(QString, backend);                                                                      \
    pds::test::ScratchDatabase var(backend);                                                       \
    if (!var.isReady() && !var.skipReason().isEmpty())                                             \
        QSKIP(qPrintable(var.skipReason()));                                                       \
    QVERIFY2(var.isReady(), qPrintable(var.error()))
