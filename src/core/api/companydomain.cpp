#include "companydomain.h"

#include <QHostAddress>
#include <QRegularExpression>

namespace pds {

bool isLoopbackHost(const QString &host)
{
    const QString h = host.toLower();
    if (h == QLatin1String("localhost"))
        return true;
    QHostAddress address;
    return address.setAddress(h) && address.isLoopback();
}

QUrl baseUrlForCompany(const QString &input, QString *error)
{
    auto fail = [error](const QString &message) {
        if (error)
            *error = message;
        return QUrl();
    };
    const QString text = input.trimmed();
    if (text.isEmpty())
        return fail(QStringLiteral("No Pipedrive company domain is set."));

    // A bare company name: the subdomain Pipedrive gave the company.
    static const QRegularExpression bareName(
        QStringLiteral("^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$"));
    if (bareName.match(text).hasMatch())
        return QUrl(QStringLiteral("https://%1.pipedrive.com").arg(text.toLower()));

    QString withScheme = text;
    if (!text.contains(QLatin1String("://")))
        withScheme = QStringLiteral("https://") + text;
    const QUrl url(withScheme, QUrl::StrictMode);
    if (!url.isValid() || url.host().isEmpty())
        return fail(QStringLiteral("\"%1\" is not a company domain or URL.").arg(text));
    if (!url.userInfo().isEmpty())
        return fail(QStringLiteral("The company URL must not carry a user name or password."));
    if (url.hasQuery() || url.hasFragment())
        return fail(QStringLiteral("The company URL must not carry a query or fragment."));
    const QString scheme = url.scheme().toLower();
    if (scheme == QLatin1String("http")) {
        if (!isLoopbackHost(url.host()))
            return fail(
                QStringLiteral("Plain http is refused for %1: use https (http is allowed only "
                               "for a server on this machine).")
                    .arg(url.host()));
    } else if (scheme != QLatin1String("https")) {
        return fail(QStringLiteral("Unsupported scheme \"%1\": use https.").arg(url.scheme()));
    }
    QUrl base;
    base.setScheme(scheme);
    base.setHost(url.host().toLower());
    if (url.port() > 0)
        base.setPort(url.port());
    // A path such as "/api/v1" typed by habit is dropped: the client adds the versioned prefixes.
    return base;
}

} // namespace pds
