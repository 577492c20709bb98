#include "db/databaseconfig.h"

#include <QDir>
#include <QStandardPaths>
#include <QUrl>
#include <QUrlQuery>

using namespace Qt::StringLiterals;

namespace pds {

namespace {

constexpr auto UrlHelp
    = "Use sqlite:PATH, sqlite:///absolute/path or postgresql://user@host:port/database."_L1;

void setError(QString *error, const QString &text)
{
    if (error)
        *error = text;
}

std::optional<DatabaseConfig> parseSqlite(const QString &rest, QString *error)
{
    QString path = rest;
    if (path.startsWith("//"_L1)) {
        // URL form: only an empty authority (or localhost) makes sense for a local file.
        if (path.startsWith("///"_L1)) {
            path = path.mid(2);
        } else if (path.startsWith("//localhost/"_L1, Qt::CaseInsensitive)) {
            path = path.mid(11);
        } else {
            setError(error,
                u"An sqlite:// URL needs an absolute path after three slashes, e.g. "
                "sqlite:///var/lib/crm.sqlite3 (or write sqlite:PATH)."_s);
            return std::nullopt;
        }
    }
    // A shell leaves "~" alone inside a word like sqlite:~/crm.db; users still mean $HOME.
    if (path == "~"_L1 || path.startsWith("~/"_L1))
        path = QDir::homePath() + path.mid(1);
    if (path.trimmed().isEmpty()) {
        setError(error, u"The sqlite: URL names no file, e.g. sqlite:/var/lib/crm.sqlite3."_s);
        return std::nullopt;
    }
    return DatabaseConfig::sqlite(path);
}

std::optional<DatabaseConfig> parsePostgres(const QString &text, QString *error)
{
    const QUrl url(text, QUrl::StrictMode);
    if (!url.isValid()) {
        // QUrl's own message may quote the URL (and with it a password): keep it out.
        setError(error,
            u"The PostgreSQL URL is malformed. Expected "
            "postgresql://user[:password]@host[:port]/database[?sslmode=require]."_s);
        return std::nullopt;
    }
    DatabaseConfig config;
    config.kind = DatabaseConfig::Kind::Postgres;
    config.user = url.userName(QUrl::FullyDecoded);
    config.password = url.password(QUrl::FullyDecoded);
    config.host = url.host(QUrl::FullyDecoded);
    const int port = url.port(-1);
    if (port == 0) {
        setError(error, u"The PostgreSQL URL has port 0; use a port from 1 to 65535."_s);
        return std::nullopt;
    }
    config.port = port > 0 ? port : DatabaseConfig::DefaultPostgresPort;

    QString path = url.path(QUrl::FullyDecoded);
    if (path.startsWith(u'/'))
        path.remove(0, 1);
    if (path.isEmpty()) {
        setError(error,
            u"The PostgreSQL URL names no database: add it after the host, e.g. "
            "postgresql://crm@localhost:5432/crm_production."_s);
        return std::nullopt;
    }
    if (path.contains(u'/')) {
        setError(error,
            u"The PostgreSQL URL's path must be just the database name, e.g. "
            "postgresql://crm@localhost/crm_production."_s);
        return std::nullopt;
    }
    config.databaseName = path;

    const QUrlQuery query(url);
    const auto items = query.queryItems(QUrl::FullyDecoded);
    for (const auto &[key, value] : items) {
        if (key == "sslmode"_L1) {
            const auto mode = DatabaseConfig::sslModeFromName(value);
            if (!mode) {
                setError(error,
                    u"Unknown sslmode \"%1\" in the PostgreSQL URL: use disable, allow, "
                    "prefer, require, verify-ca or verify-full."_s.arg(value));
                return std::nullopt;
            }
            config.sslMode = *mode;
        } else if (key == "connect_timeout"_L1) {
            bool ok = false;
            const int seconds = value.toInt(&ok);
            if (!ok || seconds < 0) {
                setError(error,
                    u"connect_timeout in the PostgreSQL URL must be a number of "
                    "seconds."_s);
                return std::nullopt;
            }
            config.connectTimeoutSeconds = seconds;
        } else if (key == "host"_L1) {
            // libpq's way to name a socket directory: ?host=/var/run/postgresql
            config.host = value;
        } else {
            setError(error,
                u"Unsupported parameter \"%1\" in the PostgreSQL URL (supported: sslmode, "
                "connect_timeout, host)."_s.arg(key));
            return std::nullopt;
        }
    }
    return config;
}

} // namespace

std::optional<DatabaseConfig> DatabaseConfig::fromUrl(const QString &input, QString *error)
{
    const QString url = input.trimmed();
    if (url.isEmpty()) {
        setError(error, u"No database URL given. "_s + UrlHelp);
        return std::nullopt;
    }
    const qsizetype colon = url.indexOf(u':');
    const QString scheme = colon > 0 ? url.left(colon).toLower() : QString();
    if (scheme == "sqlite"_L1 || scheme == "sqlite3"_L1)
        return parseSqlite(url.mid(colon + 1), error);
    if (scheme == "postgresql"_L1 || scheme == "postgres"_L1) {
        if (!url.mid(colon + 1).startsWith("//"_L1)) {
            setError(error, u"A PostgreSQL URL starts with postgresql://. "_s + UrlHelp);
            return std::nullopt;
        }
        return parsePostgres(url, error);
    }
    // Only the scheme is quoted back: the rest may hold a password.
    if (scheme.isEmpty())
        setError(error, u"The database URL has no scheme. "_s + UrlHelp);
    else
        setError(error, u"Unsupported database type \"%1\". "_s.arg(scheme) + UrlHelp);
    return std::nullopt;
}

QString DatabaseConfig::displayUrl() const
{
    if (isSqlite())
        return u"sqlite:"_s + sqlitePath;

    QString text = u"postgresql://"_s;
    if (!user.isEmpty())
        text += QString::fromLatin1(QUrl::toPercentEncoding(user)) + u'@';
    const bool socketDir = host.startsWith(u'/');
    if (!host.isEmpty() && !socketDir) {
        text += host.contains(u':') ? u'[' + host + u']' : host; // IPv6 literal
        text += u':' + QString::number(port);
    } else if (port != DefaultPostgresPort) {
        text += u':' + QString::number(port);
    }
    text += u'/' + QString::fromLatin1(QUrl::toPercentEncoding(databaseName));

    QStringList params;
    if (sslMode != SslMode::Prefer)
        params << u"sslmode="_s + sslModeName(sslMode);
    if (connectTimeoutSeconds != DefaultConnectTimeoutSeconds)
        params << u"connect_timeout="_s + QString::number(connectTimeoutSeconds);
    if (socketDir)
        params << u"host="_s + QString::fromLatin1(QUrl::toPercentEncoding(host, "/"));
    if (!params.isEmpty())
        text += u'?' + params.join(u'&');
    return text;
}

QString DatabaseConfig::effectivePassword() const
{
    if (!password.isEmpty())
        return password;
    return qEnvironmentVariable("PGPASSWORD");
}

QString DatabaseConfig::defaultSqlitePath()
{
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + "/crm.sqlite3"_L1;
}

DatabaseConfig DatabaseConfig::defaultConfig()
{
    return sqlite(defaultSqlitePath());
}

DatabaseConfig DatabaseConfig::sqlite(const QString &path)
{
    DatabaseConfig config;
    config.kind = Kind::Sqlite;
    config.sqlitePath = path;
    return config;
}

QString DatabaseConfig::sslModeName(SslMode mode)
{
    switch (mode) {
    case SslMode::Disable:
        return u"disable"_s;
    case SslMode::Allow:
        return u"allow"_s;
    case SslMode::Prefer:
        return u"prefer"_s;
    case SslMode::Require:
        return u"require"_s;
    case SslMode::VerifyCa:
        return u"verify-ca"_s;
    case SslMode::VerifyFull:
        return u"verify-full"_s;
    }
    return u"prefer"_s;
}

std::optional<DatabaseConfig::SslMode> DatabaseConfig::sslModeFromName(const QString &name)
{
    for (const SslMode mode : { SslMode::Disable, SslMode::Allow, SslMode::Prefer, SslMode::Require,
             SslMode::VerifyCa, SslMode::VerifyFull }) {
        if (name.compare(sslModeName(mode), Qt::CaseInsensitive) == 0)
            return mode;
    }
    return std::nullopt;
}

} // namespace pds
