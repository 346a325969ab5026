using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Unicode;

namespace Dcr.IdentityServerExtensions.AdminUi;

/// <summary>
/// HTML written with interpolated strings in which every hole is encoded, as Razor encodes <c>@value</c>: the literal
/// parts are the page's markup, the holes are data (client names, ids, URLs a registrant chose). Only another
/// <see cref="HtmlBuilder"/> is inserted as it is. There is no way to put unencoded text into a page but a literal.
/// </summary>
internal sealed class HtmlBuilder
{
    // Encodes what HTML gives a meaning to (< > & " ' and controls) but leaves letters of any script readable.
    private static readonly HtmlEncoder Encoder = HtmlEncoder.Create(UnicodeRanges.All);

    private readonly StringBuilder _text = new();

    /// <summary>Appends markup; every interpolated value is HTML-encoded.</summary>
    public HtmlBuilder Append([InterpolatedStringHandlerArgument("")] ref Handler handler)
    {
        _ = handler;
        return this;
    }

    /// <summary>Appends a fragment built by another <see cref="HtmlBuilder"/>, as it is.</summary>
    public HtmlBuilder Append(HtmlBuilder fragment)
    {
        ArgumentNullException.ThrowIfNull(fragment);
        _text.Append(fragment._text);
        return this;
    }

    /// <summary>Appends text, HTML-encoded.</summary>
    public HtmlBuilder Text(string? text)
    {
        Encoder.Encode(new StringWriter(_text, CultureInfo.InvariantCulture), text ?? string.Empty);
        return this;
    }

    public override string ToString() => _text.ToString();

    /// <summary>Writes the literal parts of an interpolated string as they are and encodes its holes.</summary>
    [InterpolatedStringHandler]
    internal readonly ref struct Handler
    {
        private readonly HtmlBuilder _owner;

        public Handler(int literalLength, int formattedCount, HtmlBuilder owner)
        {
            _ = literalLength;
            _ = formattedCount;
            _owner = owner;
        }

        public void AppendLiteral(string value) => _owner._text.Append(value);

        public void AppendFormatted(HtmlBuilder? fragment) => _owner._text.Append(fragment?._text);

        public void AppendFormatted(string? value) => _owner.Text(value);

        public void AppendFormatted<T>(T value) => _owner.Text(value is IFormattable formattable
            ? formattable.ToString(null, CultureInfo.InvariantCulture)
            : value?.ToString());
    }
}
