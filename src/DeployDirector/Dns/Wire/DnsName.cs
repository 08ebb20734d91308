using System.Globalization;
using System.Text;

namespace DeployDirector.Dns.Wire;

/// <summary>
/// A domain name as its labels. Each label holds its octets as chars 0–255, so any name read off
/// the wire survives unchanged; comparison ignores ASCII case only (RFC 4343).
/// </summary>
internal sealed class DnsName : IEquatable<DnsName>
{
    private readonly string[] _labels;

    private DnsName(string[] labels, int wireLength)
    {
        _labels = labels;
        WireLength = wireLength;
    }

    public static DnsName Root { get; } = new([], 1);

    public IReadOnlyList<string> Labels => _labels;

    /// <summary>Octets the name takes uncompressed, the root's zero octet included.</summary>
    public int WireLength { get; }

    public static bool TryCreate(IReadOnlyList<string> labels, out DnsName name)
    {
        name = Root;
        int length = 1;
        foreach (string label in labels)
        {
            if (label.Length is 0 or > DnsWire.MaxLabelLength || label.Any(c => c > 0xFF))
            {
                return false;
            }
            length += 1 + label.Length;
        }
        if (length > DnsWire.MaxNameLength)
        {
            return false;
        }
        name = new DnsName([.. labels], length);
        return true;
    }

    /// <summary>Reads a dotted name such as <c>ubd.internal.</c> (no escapes; the trailing dot is optional).</summary>
    public static bool TryParse(string text, out DnsName name)
    {
        name = Root;
        if (text is "." or "")
        {
            return true;
        }
        string trimmed = text.EndsWith('.') ? text[..^1] : text;
        string[] labels = trimmed.Split('.');
        return labels.All(l => l.All(c => c is > ' ' and < (char)0x7F and not '\\')) && TryCreate(labels, out name);
    }

    public bool TryPrepend(out DnsName name, params string[] labels) => TryCreate([.. labels, .. _labels], out name);

    /// <summary>The labels left of <paramref name="zone"/> when this name is the zone or below it; otherwise null.</summary>
    public string[]? RelativeTo(DnsName zone)
    {
        int extra = _labels.Length - zone._labels.Length;
        if (extra < 0)
        {
            return null;
        }
        for (int i = 0; i < zone._labels.Length; i++)
        {
            if (!LabelEquals(_labels[extra + i], zone._labels[i]))
            {
                return null;
            }
        }
        return _labels[..extra];
    }

    /// <summary>The name left after dropping the first <paramref name="skip"/> labels.</summary>
    public DnsName Suffix(int skip)
    {
        if (skip == 0)
        {
            return this;
        }
        string[] rest = _labels[skip..];
        return new DnsName(rest, 1 + rest.Sum(l => 1 + l.Length));
    }

    public static bool LabelEquals(string a, string b)
    {
        if (a.Length != b.Length)
        {
            return false;
        }
        for (int i = 0; i < a.Length; i++)
        {
            if (LowerAscii(a[i]) != LowerAscii(b[i]))
            {
                return false;
            }
        }
        return true;
    }

    private static char LowerAscii(char c) => c is >= 'A' and <= 'Z' ? (char)(c + 32) : c;

    public bool Equals(DnsName? other) =>
        other is not null && other._labels.Length == _labels.Length && _labels.Zip(other._labels).All(p => LabelEquals(p.First, p.Second));

    public override bool Equals(object? obj) => Equals(obj as DnsName);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (string label in _labels)
        {
            foreach (char c in label)
            {
                hash.Add(LowerAscii(c));
            }
            hash.Add('.');
        }
        return hash.ToHashCode();
    }

    /// <summary>The same text for every spelling of the name that compares equal: the compression table's key.</summary>
    public string Key()
    {
        var builder = new StringBuilder(WireLength);
        foreach (string label in _labels)
        {
            builder.Append(label.Length).Append(':');
            foreach (char c in label)
            {
                builder.Append(LowerAscii(c));
            }
        }
        return builder.ToString();
    }

    /// <summary>Presentation format (RFC 1035 5.1): dots and backslashes inside a label and unprintable octets escaped.</summary>
    public override string ToString()
    {
        if (_labels.Length == 0)
        {
            return ".";
        }
        var builder = new StringBuilder(WireLength + 8);
        foreach (string label in _labels)
        {
            foreach (char c in label)
            {
                if (c is '.' or '\\')
                {
                    builder.Append('\\').Append(c);
                }
                else if (c is <= ' ' or >= (char)0x7F)
                {
                    builder.Append('\\').Append(((int)c).ToString("D3", CultureInfo.InvariantCulture));
                }
                else
                {
                    builder.Append(c);
                }
            }
            builder.Append('.');
        }
        return builder.ToString();
    }
}
