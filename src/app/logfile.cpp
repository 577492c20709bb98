#include "logfile.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QMutex>
#include <QRegularExpression>
#include <QStandardPaths>

#include <cstdio>

using namespace Qt::StringLiterals;

namespace pds {

namespace {

struct LogState
{
    QMutex mutex;
    QFile file;
    QtMessageHandler previous = nullptr;
    bool installed = false;
};

LogState &state()
{
    static LogState s;
    return s;
}

const char *levelName(QtMsgType type)
{
    switch (type) {
    case QtDebugMsg:
        return "debug";
    case QtInfoMsg:
        return "info";
    case QtWarningMsg:
        return "warning";
    case QtCriticalMsg:
        return "critical";
    case QtFatalMsg:
        return "fatal";
    }
    return "?";
}

// Called with the mutex held.
void rotateIfFull(LogState &s)
{
    if (s.file.size() < LogFileMaxBytes)
        return;
    const QString path = s.file.fileName();
    s.file.close();
    QFile::remove(path + ".1"_L1);
    QFile::rename(path, path + ".1"_L1);
    s.file.setFileName(path);
    s.file.open(QIODevice::WriteOnly | QIODevice::Append | QIODevice::Text);
}

void handler(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    LogState &s = state();
    const QString clean = redactSecrets(message);
    {
        QMutexLocker lock(&s.mutex);
        if (s.file.isOpen()) {
            const QByteArray line
                = QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs).toUtf8() + ' '
                + levelName(type) + ' ' + (context.category ? context.category : "default") + ": "
                + clean.toUtf8() + '\n';
            s.file.write(line);
            s.file.flush();
            rotateIfFull(s);
        }
    }
    if (s.previous)
        s.previous(type, context, clean);
}

} // namespace

QString redactSecrets(const QString &text)
{
    static const QRegularExpression patterns[] = {
        // key=value and key: value forms of the token and the PostgreSQL password
        QRegularExpression(u"((?:api_token|x-api-token|PIPEDRIVE_API_TOKEN|PGPASSWORD|password)"
                           "\\s*[=:]\\s*)[^\\s&,;\"']+"_s,
            QRegularExpression::CaseInsensitiveOption),
        // scheme://user:password@host
        QRegularExpression(u"(://[^/\\s:@]+:)[^@\\s/]+(?=@)"_s),
    };
    if (!text.contains(u'=') && !text.contains(u':'))
        return text;
    QString result = text;
    for (const QRegularExpression &pattern : patterns)
        result.replace(pattern, u"\\1***"_s);
    return result;
}

QString installLogFile(const QString &directory)
{
    LogState &s = state();
    const QString dir = directory.isEmpty()
        ? QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation)
        : directory;
    if (dir.isEmpty() || !QDir().mkpath(dir))
        return {};
    {
        QMutexLocker lock(&s.mutex);
        if (s.file.isOpen())
            s.file.close();
        s.file.setFileName(QDir(dir).filePath(u"pipedrive-sync.log"_s));
        if (!s.file.open(QIODevice::WriteOnly | QIODevice::Append | QIODevice::Text))
            return {};
        rotateIfFull(s);
    }
    if (!s.installed) {
        s.previous = qInstallMessageHandler(handler);
        s.installed = true;
    }
    return s.file.fileName();
}

void uninstallLogFile()
{
    LogState &s = state();
    if (s.installed) {
        qInstallMessageHandler(s.previous);
        s.installed = false;
        s.previous = nullptr;
    }
    QMutexLocker lock(&s.mutex);
    s.file.close();
}

} // namespace pds
