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
            if (current is DbException or TimeoutException or ClientStoreUnavailableException)
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>The client storage could not be reached; nothing is known to be written. Answered 503, to be retried.</summary>
public sealed class ClientStoreUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ClientStoreUnavailableException()
        : base("The client store is temporarily unavailable; retry later.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public ClientStoreUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public ClientStoreUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
