namespace HostSample;

/// <summary>Settings of the sample host itself, bound from the <c>Sample</c> section.</summary>
public sealed class SampleOptions
{
    /// <summary>The seeded administrative client that may obtain initial access tokens.</summary>
    public string AdminClientId { get; set; } = "dcr-admin";

    /// <summary>Its secret. Change it anywhere but on your own machine.</summary>
    public string AdminClientSecret { get; set; } = "dcr-admin-secret";

    /// <summary>Where the signing and encryption keys live; relative paths are under the content root.</summary>
    public string KeysPath { get; set; } = "App_Data/sample-keys.json";
}
