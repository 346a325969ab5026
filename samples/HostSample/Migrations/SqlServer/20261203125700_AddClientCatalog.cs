using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace HostSample.Migrations.SqlServer
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
                    ClientId = table.Column<string>(type: "nvarchar(100)", maxLength: 100, nullable: false),
                    Source = table.Column<string>(type: "nvarchar(16)", maxLength: 16, nullable: false),
                    CreatedBy = table.Column<string>(type: "nvarchar(400)", maxLength: 400, nullable: true),
                    InitialAccessTokenId = table.Column<string>(type: "nvarchar(200)", maxLength: 200, nullable: true),
                    Anonymous = table.Column<bool>(type: "bit", nullable: false),
                    ClientIdIssuedAt = table.Column<long>(type: "bigint", nullable: false),
                    LastUsedAt = table.Column<long>(type: "bigint", nullable: true),
                    ClientName = table.Column<string>(type: "nvarchar(max)", nullable: true),
                    SearchText = table.Column<string>(type: "nvarchar(max)", nullable: false),
                    GrantTypes = table.Column<string>(type: "nvarchar(max)", nullable: false),
                    RedirectUris = table.Column<string>(type: "nvarchar(max)", nullable: false),
                    TokenEndpointAuthMethod = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: true),
                    Scope = table.Column<string>(type: "nvarchar(max)", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DcrClients", x => x.ClientId);
                });

            migrationBuilder.CreateTable(
                name: "DcrCounters",
                columns: table => new
                {
                    Key = table.Column<string>(type: "nvarchar(100)", maxLength: 100, nullable: false),
                    Count = table.Column<long>(type: "bigint", nullable: false)
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
