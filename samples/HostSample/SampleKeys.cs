using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

namespace HostSample;

/// <summary>
/// SAMPLE ONLY. The signing key (ECDSA P-256) and the access token encryption key (AES-256), created on first run and
/// kept in a file so tokens survive a restart and several instances can share them. A production server keeps its
/// keys in a key vault or certificate store, never in a file beside the database.
/// </summary>
internal static class SampleKeys
{
    public static (SecurityKey Signing, SecurityKey Encryption) LoadOrCreate(string path)
    {
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            using var created = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var document = new Dictionary<string, string>
            {
                ["signing_pkcs8"] = Convert.ToBase64String(created.ExportPkcs8PrivateKey()),
                ["encryption_aes256"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            };

            // Several instances sharing the file may start at once: the first to move its file in place wins.
            var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
            File.WriteAllText(temporary, JsonSerializer.Serialize(document));
            try
            {
                File.Move(temporary, path, overwrite: false);
            }
            catch (IOException) when (File.Exists(path))
            {
                File.Delete(temporary);
            }
        }

        var keys = JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(path))!;
        var signing = ECDsa.Create();
        signing.ImportPkcs8PrivateKey(Convert.FromBase64String(keys["signing_pkcs8"]), out _);
        return (new ECDsaSecurityKey(signing) { KeyId = "sample-es256" },
                new SymmetricSecurityKey(Convert.FromBase64String(keys["encryption_aes256"])) { KeyId = "sample-a256kw" });
    }
}
