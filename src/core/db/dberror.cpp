#include "db/dberror.h"

#include <QSqlError>

using namespace Qt::StringLiterals;

namespace pds {

namespace {

// SQLite primary result codes (sqlite3.h); extended codes carry them in the low byte.
enum SqliteCode {
    SqliteBusy = 5,
    SqliteLocked = 6,
    SqliteReadOnly = 8,
    SqliteIoErr = 10,
    SqliteCorrupt = 11,
    SqliteFull = 13,
    SqliteCantOpen = 14,
    SqliteConstraint = 19,
    SqliteNotADb = 26,
};

QString where(const DatabaseConfig &config)
{
    if (config.isSqlite())
        return u"the SQLite file %1"_s.arg(config.sqlitePath);
    return u"the PostgreSQL database \"%1\" on %2"_s.arg(config.databaseName,
        config.host.isEmpty() ? u"the local server"_s
                              : u"%1:%2"_s.arg(config.host).arg(config.port));
}

QString server(const DatabaseConfig &config)
{
    if (config.host.isEmpty())
        return u"the local PostgreSQL server (port %1)"_s.arg(config.port);
    return u"the PostgreSQL server at %1:%2"_s.arg(config.host).arg(config.port);
}

QString firstLine(const QString &text)
{
    const QString trimmed = text.trimmed();
    const qsizetype newline = trimmed.indexOf(u'\n');
    return newline < 0 ? trimmed : trimmed.left(newline).trimmed();
}

DbError locked(const DatabaseConfig &config, const QString &detail)
{
    return DbError::make(DbError::Kind::Locked,
        u"%1 is locked by another program or sync that is writing to it. Try "
        "again when it has finished."_s.arg(where(config)),
        detail);
}

DbError readOnly(const DatabaseConfig &config, const QString &detail)
{
    const QString hint = config.isSqlite()
        ? u"Check the file's and its folder's write permissions."_s
        : u"Check that the user may write to it and that the server is not a read-only "
          "replica."_s;
    return DbError::make(
        DbError::Kind::ReadOnly, u"%1 is read-only. %2"_s.arg(where(config), hint), detail);
}

DbError diskFull(const DatabaseConfig &config, const QString &detail)
{
    return DbError::make(DbError::Kind::DiskFull,
        u"The disk holding %1 is full. Free some space and try again."_s.arg(where(config)),
        detail);
}

DbError constraint(const QString &detail)
{
    return DbError::make(DbError::Kind::Constraint,
        u"The database refused a row that breaks one of the CRM's rules: %1"_s.arg(
            firstLine(detail)),
        detail);
}

DbError other(const DatabaseConfig &config, const QString &detail)
{
    return DbError::make(DbError::Kind::Other,
        u"Database error in %1: %2"_s.arg(where(config), firstLine(detail)), detail);
}

DbError unreachable(const DatabaseConfig &config, const QString &detail)
{
    if (config.isSqlite()) {
        return DbError::make(DbError::Kind::Unreachable,
            u"Cannot open %1. Check that its folder exists and that you may "
            "read and write there."_s.arg(where(config)),
            detail);
    }
    return DbError::make(DbError::Kind::Unreachable,
        u"Cannot reach %1. Check that the server runs, that host and port are "
        "right, and that no firewall blocks the connection."_s.arg(server(config)),
        detail);
}

DbError authentication(const DatabaseConfig &config, const QString &detail)
{
    const QString user = config.user.isEmpty() ? u"(default user)"_s : config.user;
    return DbError::make(DbError::Kind::AuthenticationFailed,
        u"%1 refused the login as \"%2\" to database \"%3\". Check the user "
        "name and password (or PGPASSWORD) and the server's pg_hba.conf."_s.arg(
            server(config), user, config.databaseName),
        detail);
}

DbError noSuchDatabase(const DatabaseConfig &config, const QString &detail)
{
    return DbError::make(DbError::Kind::NoSuchDatabase,
        u"There is no database \"%1\" on %2. Check the name, or create it "
        "first (createdb %1)."_s.arg(config.databaseName, server(config)),
        detail);
}

DbError fromSqlite(const QSqlError &error, const DatabaseConfig &config, const QString &detail)
{
    bool ok = false;
    const int code = error.nativeErrorCode().toInt(&ok);
    if (ok) {
        switch (code & 0xff) {
        case SqliteBusy:
        case SqliteLocked:
            return locked(config, detail);
        case SqliteReadOnly:
            return readOnly(config, detail);
        case SqliteFull:
            return diskFull(config, detail);
        case SqliteConstraint:
            return constraint(detail);
        case SqliteCantOpen:
            return unreachable(config, detail);
        case SqliteNotADb:
            return DbError::make(DbError::Kind::NotACrmDatabase,
                u"%1 is not an SQLite database. Choose the CRM's database file "
                "or a new file name."_s.arg(where(config)),
                detail);
        case SqliteCorrupt:
            return DbError::make(DbError::Kind::Other,
                u"%1 is damaged (SQLite reports it as corrupt). Restore it "
                "from a backup."_s.arg(where(config)),
                detail);
        case SqliteIoErr:
            return DbError::make(DbError::Kind::Other,
                u"Reading or writing %1 failed (disk I/O error). Check the "
                "disk and the file system."_s.arg(where(config)),
                detail);
        default:
            break;
        }
    }
    if (error.type() == QSqlError::ConnectionError)
        return unreachable(config, detail);
    return other(config, detail);
}

// Connection failures come without SQLSTATE (the Qt driver has only libpq's message then):
// classify them by libpq's and the server's wording.
DbError fromPostgresConnection(const DatabaseConfig &config, const QString &detail)
{
    const QString text = detail.toLower();
    const auto has = [&text](QLatin1StringView needle) {
        return text.contains(needle);
    };
    if (has("database \""_L1) && has("does not exist"_L1))
        return noSuchDatabase(config, detail);
    if (has("password authentication failed"_L1) || has("no password supplied"_L1)
        || has("role \""_L1) || has("pg_hba.conf"_L1) || has("authentication failed"_L1)
        || has("permission denied for database"_L1))
        return authentication(config, detail);
    if (has("ssl"_L1) || has("certificate"_L1)) {
        return DbError::make(DbError::Kind::Unreachable,
            u"The secure (SSL) connection to %1 failed. Check the sslmode "
            "setting (currently %2) and the server's certificate."_s.arg(
                server(config), DatabaseConfig::sslModeName(config.sslMode)),
            detail);
    }
    return unreachable(config, detail);
}

DbError fromPostgres(const QSqlError &error, const DatabaseConfig &config, const QString &detail)
{
    const QString state = error.nativeErrorCode().trimmed().toUpper();
    if (state.size() == 5) {
        const QStringView cls = QStringView(state).left(2);
        if (cls == u"23")
            return constraint(detail);
        if (cls == u"08" || state.startsWith("57P"_L1))
            return unreachable(config, detail);
        if (cls == u"28")
            return authentication(config, detail);
        if (state == "3D000"_L1)
            return noSuchDatabase(config, detail);
        if (state == "25006"_L1)
            return readOnly(config, detail);
        if (state == "53100"_L1)
            return diskFull(config, detail);
        if (state == "55P03"_L1 || state == "40001"_L1 || state == "40P01"_L1)
            return locked(config, detail);
        return other(config, detail);
    }
    if (error.type() == QSqlError::ConnectionError)
        return fromPostgresConnection(config, detail);
    // A lost connection mid-session also arrives without SQLSTATE.
    const QString lower = detail.toLower();
    if (lower.contains("server closed the connection"_L1)
        || lower.contains("no connection to the server"_L1)
        || lower.contains("connection to server"_L1))
        return unreachable(config, detail);
    return other(config, detail);
}

} // namespace

QString DbError::toString() const
{
    if (detail.isEmpty() || message.contains(detail))
        return message;
    return u"%1 (%2)"_s.arg(message, firstLine(detail));
}

QString DbError::kindName(Kind kind)
{
    switch (kind) {
    case Kind::None:
        return u"none"_s;
    case Kind::Unreachable:
        return u"unreachable"_s;
    case Kind::AuthenticationFailed:
        return u"authentication-failed"_s;
    case Kind::NoSuchDatabase:
        return u"no-such-database"_s;
    case Kind::NotACrmDatabase:
        return u"not-a-crm-database"_s;
    case Kind::Locked:
        return u"locked"_s;
    case Kind::ReadOnly:
        return u"read-only"_s;
    case Kind::DiskFull:
        return u"disk-full"_s;
    case Kind::Constraint:
        return u"constraint"_s;
    case Kind::Other:
        return u"other"_s;
    }
    return u"other"_s;
}

DbError DbError::make(Kind kind, const QString &message, const QString &detail)
{
    DbError error;
    error.kind = kind;
    error.message = message;
    error.detail = detail;
    return error;
}

DbError DbError::fromSqlError(const QSqlError &error, const DatabaseConfig &config)
{
    if (error.type() == QSqlError::NoError)
        return {};
    // The driver text says which step failed, the database text why; neither holds the password.
    QString detail = error.databaseText().trimmed();
    if (detail.isEmpty())
        detail = error.driverText().trimmed();
    else if (!error.driverText().isEmpty())
        detail = error.driverText().trimmed() + u": "_s + detail;
    DbError result = config.isSqlite() ? fromSqlite(error, config, detail)
                                       : fromPostgres(error, config, detail);
    result.nativeCode = error.nativeErrorCode();
    return result;
}

} // namespace pds
