#include "db/sqlscript.h"

namespace pds {

namespace {

bool isIdentChar(QChar c)
{
    return c.isLetterOrNumber() || c == u'_';
}

// Skips blanks and comments from `i`; returns the index of the first other character.
qsizetype skipBlanksAndComments(const QString &s, qsizetype i)
{
    const qsizetype n = s.size();
    while (i < n) {
        if (s.at(i).isSpace()) {
            ++i;
        } else if (s.at(i) == u'-' && i + 1 < n && s.at(i + 1) == u'-') {
            while (i < n && s.at(i) != u'\n')
                ++i;
        } else if (s.at(i) == u'/' && i + 1 < n && s.at(i + 1) == u'*') {
            int depth = 0;
            do {
                if (s.at(i) == u'/' && i + 1 < n && s.at(i + 1) == u'*') {
                    ++depth;
                    i += 2;
                } else if (s.at(i) == u'*' && i + 1 < n && s.at(i + 1) == u'/') {
                    --depth;
                    i += 2;
                } else {
                    ++i;
                }
            } while (i < n && depth > 0);
        } else {
            break;
        }
    }
    return i;
}

// At a '$': the dollar-quote tag ("$$" or "$name$") starting there, or empty if none.
QString dollarTag(const QString &s, qsizetype i)
{
    qsizetype j = i + 1;
    while (j < s.size() && isIdentChar(s.at(j)) && !(j == i + 1 && s.at(j).isDigit()))
        ++j;
    if (j < s.size() && s.at(j) == u'$')
        return s.mid(i, j - i + 1);
    return {};
}

} // namespace

QStringList splitSqlStatements(const QString &script)
{
    QStringList statements;
    const qsizetype n = script.size();
    qsizetype start = 0;
    qsizetype i = 0;

    const auto flush = [&](qsizetype end) {
        const qsizetype from = skipBlanksAndComments(script, start);
        if (from < end) {
            const QString statement = script.mid(from, end - from).trimmed();
            if (!statement.isEmpty())
                statements.append(statement);
        }
    };

    while (i < n) {
        const QChar c = script.at(i);
        if (c == u'\'') {
            // E'...' strings take backslash escapes; plain ones only double the quote.
            const bool escapes = i > 0 && (script.at(i - 1) == u'E' || script.at(i - 1) == u'e')
                && (i < 2 || !isIdentChar(script.at(i - 2)));
            ++i;
            while (i < n) {
                if (escapes && script.at(i) == u'\\') {
                    i += 2;
                } else if (script.at(i) == u'\'') {
                    if (i + 1 < n && script.at(i + 1) == u'\'') {
                        i += 2;
                    } else {
                        ++i;
                        break;
                    }
                } else {
                    ++i;
                }
            }
        } else if (c == u'"') {
            ++i;
            while (i < n) {
                if (script.at(i) == u'"') {
                    if (i + 1 < n && script.at(i + 1) == u'"') {
                        i += 2;
                    } else {
                        ++i;
                        break;
                    }
                } else {
                    ++i;
                }
            }
        } else if ((c == u'-' && i + 1 < n && script.at(i + 1) == u'-')
            || (c == u'/' && i + 1 < n && script.at(i + 1) == u'*')) {
            i = skipBlanksAndComments(script, i);
        } else if (c == u'$' && (i == 0 || !isIdentChar(script.at(i - 1)))) {
            const QString tag = dollarTag(script, i);
            if (tag.isEmpty()) {
                ++i;
            } else {
                const qsizetype close = script.indexOf(tag, i + tag.size());
                i = close < 0 ? n : close + tag.size();
            }
        } else if (c == u';') {
            flush(i);
            ++i;
            start = i;
        } else {
            ++i;
        }
    }
    flush(n);
    return statements;
}

} // namespace pds
