using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Dcr.IdentityServerExtensions.Options;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;

namespace HostSample;

/// <summary>
/// SAMPLE ONLY: one administrator, <c>Sample:AdminUser</c> / <c>Sample:AdminPassword</c>, who signs in with a form at
/// <c>{Admin:Path}/login</c> and gets a cookie for the admin pages (<c>MapDynamicClientRegistrationAdminUi</c>). A real
/// server signs its operators in with its own identity system (and a second factor); what carries over is the shape:
/// a cookie scheme of its own, an authorization policy naming it, antiforgery on every form. Without a password the
/// login and the admin pages are not mapped at all.
/// </summary>
internal static partial class SampleAdminLogin
{
    /// <summary>The authorization policy of the admin pages.</summary>
    public const string PolicyName = "sample-admin";

    /// <summary>The cookie scheme of the administrator's sign-in, used by nothing else.</summary>
    public const string Scheme = "SampleAdmin";

    public const string Role = "dcr-administrator";

    /// <summary>The shortest password accepted: a guessable one would hand out every client's deletion.</summary>
    public const int MinPasswordLength = 12;

    private const string LoginSegment = "/login";
    private const string LogoutSegment = "/logout";
    private const string ReturnUrlField = "ReturnUrl";

    public static IServiceCollection AddSampleAdminLogin(this IServiceCollection services)
    {
        services.AddAntiforgery();
        services.AddAuthentication().AddCookie(Scheme);
        services.AddOptions<CookieAuthenticationOptions>(Scheme).Configure<IOptions<DynamicClientRegistrationOptions>>((cookie, dcr) =>
        {
            var adminPath = AdminPath(dcr.Value);
            cookie.LoginPath = adminPath + LoginSegment;
            cookie.LogoutPath = adminPath + LogoutSegment;
            cookie.AccessDeniedPath = adminPath + LoginSegment;
            cookie.ReturnUrlParameter = ReturnUrlField;
            cookie.ExpireTimeSpan = TimeSpan.FromMinutes(30);
            cookie.SlidingExpiration = true;
            cookie.Cookie.Name = "dcr-sample-admin";
            cookie.Cookie.Path = adminPath;
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Strict;
            // The sample serves plain http on 127.0.0.1; behind https the cookie is Secure.
            cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });
        // The admin pages' "Sign out" button posts to the logout below, unless configuration names another.
        services.PostConfigure<DynamicClientRegistrationOptions>(options => options.Admin.SignOutPath ??= AdminPath(options) + LogoutSegment);
        services.AddAuthorization(options => options.AddPolicy(PolicyName, policy => policy
            .AddAuthenticationSchemes(Scheme)
            .RequireAuthenticatedUser()
            .RequireRole(Role)));
        return services;
    }

    /// <summary>Maps the login form, its POST and the logout; the caller maps them only when a password is set.</summary>
    public static void MapSampleAdminLogin(this WebApplication app, SampleOptions sample)
    {
        var adminPath = AdminPath(app.Services.GetRequiredService<IOptions<DynamicClientRegistrationOptions>>().Value);
        var expectedUser = SHA256.HashData(Encoding.UTF8.GetBytes(sample.AdminUser));
        var expectedPassword = SHA256.HashData(Encoding.UTF8.GetBytes(sample.AdminPassword!));

        app.MapGet(adminPath + LoginSegment, (HttpContext context, IAntiforgery antiforgery) =>
            LoginPage(context, antiforgery, adminPath, failed: false));

        app.MapPost(adminPath + LoginSegment, async (HttpContext context, IAntiforgery antiforgery) =>
        {
            if (!await antiforgery.IsRequestValidAsync(context))
            {
                return LoginPage(context, antiforgery, adminPath, failed: false, StatusCodes.Status400BadRequest,
                    "The form expired or did not come from this page. Try again.");
            }

            var form = await context.Request.ReadFormAsync(context.RequestAborted);
            // Hashes of equal length compared in constant time, user and password both, so that the answer's timing
            // tells neither whether the user name was right nor how much of the password was.
            var user = SHA256.HashData(Encoding.UTF8.GetBytes(form["username"].ToString()));
            var password = SHA256.HashData(Encoding.UTF8.GetBytes(form["password"].ToString()));
            if (!(CryptographicOperations.FixedTimeEquals(user, expectedUser) & CryptographicOperations.FixedTimeEquals(password, expectedPassword)))
            {
                return LoginPage(context, antiforgery, adminPath, failed: true, StatusCodes.Status401Unauthorized);
            }

            var identity = new ClaimsIdentity(Scheme, ClaimTypes.Name, ClaimTypes.Role);
            identity.AddClaim(new Claim(ClaimTypes.Name, sample.AdminUser));
            identity.AddClaim(new Claim(ClaimTypes.Role, Role));
            await context.SignInAsync(Scheme, new ClaimsPrincipal(identity));
            context.Response.Headers.CacheControl = "no-store";
            return Results.Redirect(LocalReturnUrl(context, form[ReturnUrlField], adminPath));
        }).RequireRateLimiting(SampleRateLimiting.PolicyName);

        app.MapPost(adminPath + LogoutSegment, async (HttpContext context, IAntiforgery antiforgery) =>
        {
            if (!await antiforgery.IsRequestValidAsync(context))
            {
                return Results.BadRequest();
            }

            await context.SignOutAsync(Scheme);
            return Results.Redirect(context.Request.PathBase + adminPath + LoginSegment);
        })
        // The policy authenticates with the administrator's cookie, so the antiforgery token (bound to the signed-in
        // user when the page made it) validates against the same user; without it the request's user is anonymous.
        .RequireAuthorization(PolicyName);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information,
        Message = "The admin pages are off: set Sample:AdminPassword (at least {Length} characters) to turn them on.")]
    public static partial void AdminPagesOff(ILogger logger, int length);

    private static string AdminPath(DynamicClientRegistrationOptions options) => options.Admin.Path.TrimEnd('/');

    /// <summary>Where to go after signing in: only a page of this server under the admin path, never another site.</summary>
    private static string LocalReturnUrl(HttpContext context, string? returnUrl, string adminPath)
    {
        var root = context.Request.PathBase + adminPath + "/";
        return returnUrl is not null && returnUrl.StartsWith(root, StringComparison.Ordinal)
            && !returnUrl.Contains('\\', StringComparison.Ordinal) && !returnUrl.Contains("//", StringComparison.Ordinal)
            ? returnUrl
            : root + "ui/clients";
    }

    private static IResult LoginPage(HttpContext context, IAntiforgery antiforgery, string adminPath, bool failed,
        int statusCode = StatusCodes.Status200OK, string? problem = null)
    {
        var tokens = antiforgery.GetAndStoreTokens(context);
        var encoder = HtmlEncoder.Default;
        var returnUrl = context.Request.HasFormContentType
            ? context.Request.Form[ReturnUrlField].ToString()
            : context.Request.Query[ReturnUrlField].ToString();
        var message = failed ? "The user name or the password is wrong." : problem;
        var alert = message is null ? string.Empty : $"<p role=\"alert\" id=\"login-error\">{encoder.Encode(message)}</p>";
        var describedBy = message is null ? string.Empty : " aria-describedby=\"login-error\"";
        var html = $"""
            <!DOCTYPE html>
            <html lang="en">
            <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Administrator sign-in – Dynamic client registration admin</title></head>
            <body>
            <main>
            <h1>Administrator sign-in</h1>
            {alert}
            <form method="post" action="{encoder.Encode(context.Request.PathBase + adminPath + LoginSegment)}"{describedBy}>
            <input type="hidden" name="{encoder.Encode(tokens.FormFieldName)}" value="{encoder.Encode(tokens.RequestToken!)}">
            <input type="hidden" name="{ReturnUrlField}" value="{encoder.Encode(returnUrl)}">
            <p><label for="username">User name</label><br><input id="username" name="username" autocomplete="username" required autofocus></p>
            <p><label for="password">Password</label><br><input id="password" name="password" type="password" autocomplete="current-password" required></p>
            <p><button type="submit">Sign in</button></p>
            </form>
            </main>
            </body>
            </html>
            """;
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = "default-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-store";
        return Results.Content(html, "text/html; charset=utf-8", statusCode: statusCode);
    }
}
