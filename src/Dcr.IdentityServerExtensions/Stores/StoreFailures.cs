using System.Data.Common;

namespace Dcr.IdentityServerExtensions.Stores;

/// <summary>Tells a storage that cannot be reached from a bug, whatever the data layer wraps the cause in.</summary>
public static class StoreFailures
{
    /// <summary>
    /// Whether <paramref name="exception"/> or any inner exception is a database provider's exception or a timeout:
    /// the storage is down or unreachable, and the request should be answered 503 and retried.
    /// </summary>
    public static bool IsUnreachable(Exception? exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is DbException or TimeoutException)
            {
                return true;
            }
        }

        return false;
    }
}
