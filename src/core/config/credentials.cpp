#include "credentials.h"

#include "settings.h"
#include "tokenstore.h"

#include <QMetaObject>

namespace pds {

CredentialsResolver::CredentialsResolver(TokenStore *store, QObject *parent)
    : QObject(parent)
    , m_store(store)
{ }

void CredentialsResolver::resolve(const Settings &settings)
{
    const QString domain = settings.companyDomain();
    auto answerLater = [this, domain](const QString &token, const QString &error) {
        QMetaObject::invokeMethod(
            this, [=, this] { emit resolved(domain, token, error); }, Qt::QueuedConnection);
    };
    if (domain.isEmpty())
        return answerLater(QString(),
            tr("No Pipedrive company domain is set: set PIPEDRIVE_COMPANY_DOMAIN or "
               "save one in the settings."));
    const QString environmentToken = Settings::environmentToken();
    if (!environmentToken.isEmpty())
        return answerLater(environmentToken, QString());
    if (!m_store)
        return answerLater(QString(), tr("No API token: set PIPEDRIVE_API_TOKEN."));

    const QString key = TokenStore::tokenKey(domain);
    auto connection = std::make_shared<QMetaObject::Connection>();
    *connection = connect(m_store, &TokenStore::secretRead, this,
        [this, key, domain, connection](
            const QString &readKey, const QString &secret, const QString &error) {
            if (readKey != key)
                return;
            disconnect(*connection);
            if (!error.isEmpty())
                emit resolved(domain, QString(), error);
            else if (secret.isEmpty())
                emit resolved(domain, QString(),
                    tr("No API token is stored for %1: set "
                       "PIPEDRIVE_API_TOKEN or save one (set-token or "
                       "the settings dialog).")
                        .arg(domain));
            else
                emit resolved(domain, secret, QString());
        });
    m_store->readSecret(key);
}

} // namespace pds
