using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace HostSample.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AddClientCatalog : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "DcrClients",
                columns: table => new
                {
                    ClientId = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Source = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    CreatedBy = table.Column<string>(type: "TEXT", maxLength: 400, nullable: true),
                    InitialAccessTokenId = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    Anonymous = table.Column<bool>(type: "INTEGER", nullable: false),
                    ClientIdIssuedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    LastUsedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    ClientName = table.Column<string>(type: "TEXT", nullable: true),
                    SearchText = table.Column<string>(type: "TEXT", nullable: false),
                    GrantTypes = table.Column<string>(type: "TEXT", nullable: false),
                    RedirectUris = table.Column<string>(type: "TEXT", nullable: false),
                    TokenEndpointAuthMethod = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    Scope = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DcrClients", x => x.ClientId);
                });

            migrationBuilder.CreateTable(
                name: "DcrCounters",
                columns: table => new
                {
                    Key = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Count = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DcrCounters", x => x.Key);
                });

            migrationBuilder.CreateIndex(
                name: "IX_DcrClients_ClientIdIssuedAt",
                table: "DcrClients",
                column: "ClientIdIssuedAt");

            migrationBuilder.CreateIndex(
                name: "IX_DcrClients_CreatedBy_Source",
                table: "DcrClients",
                columns: new[] { "CreatedBy", "Source" });

            migrationBuilder.CreateIndex(
                name: "IX_DcrClients_InitialAccessTokenId",
                table: "DcrClients",
                column: "InitialAccessTokenId");

            migrationBuilder.CreateIndex(
                name: "IX_DcrClients_LastUsedAt",
                table: "DcrClients",
                column: "LastUsedAt");

            migrationBuilder.CreateIndex(
                name: "IX_DcrClients_Source_Anonymous",
                table: "DcrClients",
                columns: new[] { "Source", "Anonymous" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "DcrClients");

            migrationBuilder.DropTable(
                name: "DcrCounters");
        }
    }
}
