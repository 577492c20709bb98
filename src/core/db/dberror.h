#pragma once

#include "db/databaseconfig.h"

#include <QString>
#include <QStringList>

class QSqlError;

namespace pds {

// A typed database failure: each front end words it for its user from the kind; `message` is
// already a sentence a user can act on, `detail` the driver's own text for logs.
struct DbError
{
    enum class Kind {
        None,
        Unreachable, // server down, wrong host/port, file cannot be opened
        AuthenticationFailed, // wrong user/password, pg_hba.conf refusal
        NoSuchDatabase, // PostgreSQL: the named database does not exist
        NotACrmDatabase, // tables/columns the sync writes are missing (see `missing`)
        Locked, // SQLite busy beyond the timeout, PostgreSQL lock/serialization failure
        ReadOnly, // file or server is read-only
        DiskFull,
        Constraint, // unique/foreign key/not null/check violation
        Other,
    };

    Kind kind = Kind::None;
    QString message; // safe to show: never holds a password
    QString detail; // the driver's text
    QString nativeCode; // SQLite result code or PostgreSQL SQLSTATE
    QStringList missing; // NotACrmDatabase: "table" or "table.column"

    bool isError() const { return kind != Kind::None; }
    bool isOk() const { return kind == Kind::None; }
    QString toString() const; // message, then the detail in parentheses
    static QString kindName(Kind kind); // stable, for logs and --json: "not-a-crm-database"

    static DbError make(Kind kind, const QString &message, const QString &detail = {});
    // Maps a driver error to a kind and a message naming the database of `config`.
    static DbError fromSqlError(const QSqlError &error, const DatabaseConfig &config);
};

} // namespace pds
