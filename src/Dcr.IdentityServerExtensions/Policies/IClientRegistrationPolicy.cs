using Dcr.IdentityServerExtensions.Protocol;
using Dcr.IdentityServerExtensions.Services;
using Dcr.IdentityServerExtensions.Stores;

namespace Dcr.IdentityServerExtensions.Policies;

/// <summary>
/// A client registration policy (PingFederate's term): runs after validation, on registration (POST) and on update
/// (PUT), in the order the policies were registered. It accepts the metadata, adjusts it explicitly by returning
/// changed metadata, or rejects the request with an RFC error; the first rejection wins and nothing is stored.
/// Register one with <c>AddDynamicClientRegistration(…).AddPolicy&lt;TPolicy&gt;()</c>.
/// </summary>
public interface IClientRegistrationPolicy
{
    /// <summary>Returns the metadata to continue with (the same or adjusted), or the error that refuses the request.</summary>
    ValueTask<RegistrationResult<ClientMetadata>> ApplyAsync(ClientRegistrationPolicyContext context, CancellationToken cancellationToken);
}

/// <summary>What a policy sees.</summary>
/// <param name="Metadata">The validated, normalized metadata, as adjusted by the policies before this one.</param>
/// <param name="Caller">
/// The caller: on registration the initial access token's principal (or anonymous); on update the caller that
/// registered the client, its principal rebuilt from the claims kept at registration
/// (<see cref="RegistrationCaller.RetainedClaimTypes"/>, authentication type
/// <see cref="RegistrationCaller.StoredCallerAuthenticationType"/>) and <see cref="RegistrationCaller.CallerId"/> its id.
/// </param>
/// <param name="Operation">Registration or update.</param>
/// <param name="ExistingClient">The client as stored, on update.</param>
public sealed record ClientRegistrationPolicyContext(
    ClientMetadata Metadata, RegistrationCaller Caller, ClientRegistrationOperation Operation, StoredClient? ExistingClient);

/// <summary>Which request a policy is deciding on.</summary>
public enum ClientRegistrationOperation
{
    /// <summary>A registration (RFC 7591 POST).</summary>
    Create,

    /// <summary>An update (RFC 7592 PUT).</summary>
    Update,
}
