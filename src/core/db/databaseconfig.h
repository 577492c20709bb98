#pragma once

#include <QString>

#include <optional>

namespace pds {

// Where the CRM database lives and how to reach it. Built from a URL (CLI --database, env) or
// field by field (settings dialog). The password is never part of any text this class produces.
struct DatabaseConfig
{
    enum class Kind { Sqlite, Postgres };
    // libpq's sslmode values, in its order of strictness.
    enum class SslMode { Disable, Allow, Prefer, Require, VerifyCa, VerifyFull };

    static constexpr int DefaultPostgresPort = 5432;
    static constexpr int DefaultBusyTimeoutMs = 5000;
    static constexpr int DefaultConnectTimeoutSeconds = 10;

    Kind kind = Kind::Sqlite;

    // SQLite
    QString sqlitePath;
    int busyTimeoutMs = DefaultBusyTimeoutMs; // how long a writer waits for another one's lock

    // PostgreSQL
    QString host; // empty: libpq's default (the local socket)
    int port = DefaultPostgresPort;
    QString databaseName;
    QString user; // empty: libpq's default (the OS user name)
    QString password; // empty: env PGPASSWORD, then libpq's own lookup (~/.pgpass)
    SslMode sslMode = SslMode::Prefer;
    int connectTimeoutSeconds = DefaultConnectTimeoutSeconds;

    bool isSqlite() const { return kind == Kind::Sqlite; }
    bool isPostgres() const { return kind == Kind::Postgres; }

    // Parses `sqlite:PATH`, `sqlite:///abs/path` (also `sqlite3:`),
    // `postgresql://[user[:password]@][host][:port]/db[?sslmode=...&connect_timeout=...]`
    // and `postgres://...`. On failure returns nullopt and sets *error to a sentence for the user.
    static std::optional<DatabaseConfig> fromUrl(const QString &url, QString *error = nullptr);

    // The URL again, without the password: safe for logs, the UI and --json output.
    QString displayUrl() const;

    // The password to use: the configured one, else env PGPASSWORD (may be empty).
    QString effectivePassword() const;

    // `crm.sqlite3` in the app's data folder (QStandardPaths::AppDataLocation).
    static QString defaultSqlitePath();
    static DatabaseConfig defaultConfig();
    static DatabaseConfig sqlite(const QString &path);

    static QString sslModeName(SslMode mode); // "verify-full"
    static std::optional<SslMode> sslModeFromName(const QString &name);

    friend bool operator==(const DatabaseConfig &, const DatabaseConfig &) = default;
};

} // namespace pds
