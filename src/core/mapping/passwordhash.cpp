#include "mapping/passwordhash.h"

#include <QRandomGenerator>

#include <crypt.h>

#include <algorithm>
#include <cstring>
#include <memory>

namespace pds::mapping {

QString randomPassword(int length)
{
    static constexpr char alphabet[]
        = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    constexpr quint32 alphabetSize = sizeof(alphabet) - 1;
    length = std::clamp(length, 24, 72);
    QRandomGenerator *random = QRandomGenerator::system();
    QString password;
    password.reserve(length);
    for (int i = 0; i < length; ++i)
        password.append(QLatin1Char(alphabet[random->bounded(alphabetSize)]));
    return password;
}

QByteArray bcryptHash(const QString &password, int cost)
{
    cost = std::clamp(cost, 4, 31);
    // bcrypt salts are 16 random bytes; taken from the same CSPRNG as the password.
    quint32 saltWords[4];
    QRandomGenerator::system()->fillRange(saltWords);
    char setting[CRYPT_GENSALT_OUTPUT_SIZE];
    // Devise (bcrypt-ruby) writes and accepts "$2a$".
    if (!crypt_gensalt_rn("$2a$", static_cast<unsigned long>(cost),
            reinterpret_cast<const char *>(saltWords), sizeof(saltWords), setting, sizeof(setting)))
        return {};
    // struct crypt_data is large (~32 KiB): keep it off the stack.
    auto data = std::make_unique<crypt_data>();
    const QByteArray utf8 = password.toUtf8();
    const char *hash = crypt_rn(utf8.constData(), setting, data.get(), sizeof(crypt_data));
    QByteArray result = hash ? QByteArray(hash) : QByteArray();
    std::memset(data.get(), 0, sizeof(crypt_data)); // holds key material
    if (!result.startsWith("$2a$"))
        return {};
    return result;
}

bool bcryptVerify(const QString &password, const QByteArray &hash)
{
    if (!hash.startsWith("$2"))
        return false;
    auto data = std::make_unique<crypt_data>();
    const QByteArray utf8 = password.toUtf8();
    const char *computed
        = crypt_rn(utf8.constData(), hash.constData(), data.get(), sizeof(crypt_data));
    bool equal = false;
    if (computed) {
        const QByteArray candidate(computed);
        if (candidate.size() == hash.size()) {
            unsigned char diff = 0;
            for (qsizetype i = 0; i < hash.size(); ++i)
                diff |= static_cast<unsigned char>(candidate[i] ^ hash[i]);
            equal = diff == 0;
        }
    }
    std::memset(data.get(), 0, sizeof(crypt_data));
    return equal;
}

} // namespace pds::mapping
