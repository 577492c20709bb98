#include "keychaintokenstore.h"

#include <qt6keychain/keychain.h>

namespace pds {

KeychainTokenStore::KeychainTokenStore(QObject *parent)
    : TokenStore(parent)
{ }

QString KeychainTokenStore::serviceName()
{
    return QStringLiteral("pipedrive-sync");
}

void KeychainTokenStore::readSecret(const QString &key)
{
    auto *job = new QKeychain::ReadPasswordJob(serviceName(), this);
    job->setAutoDelete(true);
    job->setInsecureFallback(false);
    job->setKey(key);
    connect(job, &QKeychain::Job::finished, this, [this, job, key] {
        if (job->error() == QKeychain::EntryNotFound)
            emit secretRead(key, QString(), QString());
        else if (job->error() != QKeychain::NoError)
            emit secretRead(
                key, QString(), tr("The keychain could not be read: %1").arg(job->errorString()));
        else
            emit secretRead(key, job->textData(), QString());
    });
    job->start();
}

void KeychainTokenStore::writeSecret(const QString &key, const QString &secret)
{
    auto *job = new QKeychain::WritePasswordJob(serviceName(), this);
    job->setAutoDelete(true);
    job->setInsecureFallback(false);
    job->setKey(key);
    job->setTextData(secret);
    connect(job, &QKeychain::Job::finished, this, [this, job, key] {
        emit secretWritten(key,
            job->error() == QKeychain::NoError
                ? QString()
                : tr("The keychain could not store the secret: %1").arg(job->errorString()));
    });
    job->start();
}

void KeychainTokenStore::deleteSecret(const QString &key)
{
    auto *job = new QKeychain::DeletePasswordJob(serviceName(), this);
    job->setAutoDelete(true);
    job->setInsecureFallback(false);
    job->setKey(key);
    connect(job, &QKeychain::Job::finished, this, [this, job, key] {
        const bool ok
            = job->error() == QKeychain::NoError || job->error() == QKeychain::EntryNotFound;
        emit secretDeleted(key,
            ok ? QString()
               : tr("The keychain could not delete the secret: %1").arg(job->errorString()));
    });
    job->start();
}

} // namespace pds
