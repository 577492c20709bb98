#include "tokenstore.h"

#include <QMetaObject>

namespace pds {

QString TokenStore::tokenKey(const QString &companyDomain)
{
    return QStringLiteral("pipedrive-api-token:") + companyDomain.trimmed().toLower();
}

QString TokenStore::databasePasswordKey(const QString &databaseUrl)
{
    return QStringLiteral("database-password:") + databaseUrl.trimmed();
}

// Answers are queued so that callers see the same order of events as with the real keychain.
void MemoryTokenStore::readSecret(const QString &key)
{
    const QString secret = m_secrets.value(key);
    QMetaObject::invokeMethod(
        this, [this, key, secret] { emit secretRead(key, secret, QString()); },
        Qt::QueuedConnection);
}

void MemoryTokenStore::writeSecret(const QString &key, const QString &secret)
{
    m_secrets.insert(key, secret);
    QMetaObject::invokeMethod(
        this, [this, key] { emit secretWritten(key, QString()); }, Qt::QueuedConnection);
}

void MemoryTokenStore::deleteSecret(const QString &key)
{
    m_secrets.remove(key);
    QMetaObject::invokeMethod(
        this, [this, key] { emit secretDeleted(key, QString()); }, Qt::QueuedConnection);
}

} // namespace pds
