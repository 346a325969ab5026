using Dcr.IdentityServerExtensions.Protocol;

namespace Dcr.IdentityServerExtensions.Policies;

/// <summary>Runs the registered policies in order; the first rejection wins.</summary>
internal sealed class ClientRegistrationPolicyPipeline
{
    private readonly IReadOnlyList<IClientRegistrationPolicy> _policies;

    /// <summary>Creates the pipeline over the policies in their registration order.</summary>
    public ClientRegistrationPolicyPipeline(IEnumerable<IClientRegistrationPolicy> policies)
    {
        _policies = policies.ToList();
    }

    /// <summary>Applies every policy to <paramref name="context"/>, each seeing the metadata as the previous one left it.</summary>
    public async ValueTask<RegistrationResult<ClientMetadata>> ApplyAsync(ClientRegistrationPolicyContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var metadata = context.Metadata;
        foreach (var policy in _policies)
        {
            var result = await policy.ApplyAsync(context with { Metadata = metadata }, cancellationToken).ConfigureAwait(false);
            if (!result.Succeeded)
            {
                return result;
            }

            metadata = result.Value;
        }

        return metadata;
    }
}
