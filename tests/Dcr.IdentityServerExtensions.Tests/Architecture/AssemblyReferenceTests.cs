using Dcr.IdentityServerExtensions.AdminUi;
using Dcr.IdentityServerExtensions.OpenIddict;
using Dcr.IdentityServerExtensions.Services;

namespace Dcr.IdentityServerExtensions.Tests.Architecture;

public class AssemblyReferenceTests
{
    private static IEnumerable<string> ReferencedAssemblyNames(Type type) =>
        type.Assembly.GetReferencedAssemblies().Select(name => name.Name ?? string.Empty);

    [Fact]
    public void the_core_assembly_references_no_openiddict_assembly()
    {
        var references = ReferencedAssemblyNames(typeof(ClientRegistrationService)).ToList();

        references.Should().NotBeEmpty();
        references.Should().NotContain(name => name.StartsWith("OpenIddict", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void the_core_and_the_openiddict_adapter_reference_no_entity_framework_core_assembly()
    {
        ReferencedAssemblyNames(typeof(ClientRegistrationService)).Should().NotContain(name => name.StartsWith("Microsoft.EntityFrameworkCore", StringComparison.Ordinal));
        ReferencedAssemblyNames(typeof(OpenIddictClientRegistrationStore)).Should().NotContain(name => name.StartsWith("Microsoft.EntityFrameworkCore", StringComparison.Ordinal));
    }

    [Fact]
    public void the_entity_framework_core_catalog_references_entity_framework_core_and_the_core_but_no_openiddict_assembly()
    {
        var references = ReferencedAssemblyNames(typeof(Dcr.IdentityServerExtensions.EntityFrameworkCore.DcrClient)).ToList();

        references.Should().Contain(name => name.StartsWith("Microsoft.EntityFrameworkCore", StringComparison.Ordinal));
        references.Should().Contain(typeof(ClientRegistrationService).Assembly.GetName().Name);
        references.Should().NotContain(name => name.StartsWith("OpenIddict", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void the_openiddict_adapter_assembly_does_reference_openiddict_and_the_core()
    {
        // The control for the test above: the same check finds OpenIddict where it is expected.
        var references = ReferencedAssemblyNames(typeof(OpenIddictClientRegistrationStore)).ToList();

        references.Should().Contain(name => name.StartsWith("OpenIddict", StringComparison.OrdinalIgnoreCase));
        references.Should().Contain(typeof(ClientRegistrationService).Assembly.GetName().Name);
    }

    [Fact]
    public void the_admin_pages_assembly_builds_on_the_core_alone_and_references_no_openiddict_assembly()
    {
        // The pages read and delete through IClientAdministration only, so they serve any host adapter.
        var references = ReferencedAssemblyNames(typeof(HtmlBuilder)).ToList();

        references.Should().Contain(typeof(ClientRegistrationService).Assembly.GetName().Name);
        references.Should().NotContain(name => name.StartsWith("OpenIddict", StringComparison.OrdinalIgnoreCase)
            || name == typeof(OpenIddictClientRegistrationStore).Assembly.GetName().Name);
    }
}
