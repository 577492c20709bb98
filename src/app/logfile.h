#pragma once

#include <QString>

namespace pds {

// The desktop app's log file: every message that passes the logging categories' filters goes to
// DIRECTORY/pipedrive-sync.log (by default QStandardPaths::AppLocalDataLocation, i.e.
// ~/.local/share/PipedriveSync/pipedrive-sync/) and, as before, to standard error. One line per
// message: UTC time, level, category, text. Past MaxBytes the file moves to pipedrive-sync.log.1
// and a new one begins. Secrets that would slip into a message are masked (redactSecrets).
// Returns the file's path, or "" when it cannot be written (the app then logs to stderr only).
QString installLogFile(const QString &directory = {});
void uninstallLogFile(); // back to the previous handler (tests)

// Masks API tokens and passwords in text: api_token=..., x-api-token: ..., PIPEDRIVE_API_TOKEN=...,
// PGPASSWORD=..., and the password of a URL (scheme://user:PASSWORD@host).
QString redactSecrets(const QString &text);

inline constexpr qint64 LogFileMaxBytes = 2 * 1024 * 1024;

} // namespace pds
