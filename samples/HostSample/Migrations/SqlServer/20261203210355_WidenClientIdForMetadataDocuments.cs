using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace HostSample.Migrations.SqlServer
{
    /// <inheritdoc />
    public partial class WidenClientIdForMetadataDocuments : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterColumn<string>(
                name: "ClientId",
                table: "OpenIddictApplications",
                type: "nvarchar(400)",
                maxLength: 400,
                nullable: true,
                oldClrType: typeof(string),
                oldType: "nvarchar(100)",
                oldMaxLength: 100,
                oldNullable: true);

            // SQL Server alters no column of a primary key: the key is dropped and added again around it.
            migrationBuilder.DropPrimaryKey(
                name: "PK_DcrClients",
                table: "DcrClients");

            migrationBuilder.AlterColumn<string>(
                name: "ClientId",
                table: "DcrClients",
                type: "nvarchar(400)",
                maxLength: 400,
                nullable: false,
                oldClrType: typeof(string),
                oldType: "nvarchar(100)",
                oldMaxLength: 100);

            migrationBuilder.AddPrimaryKey(
                name: "PK_DcrClients",
                table: "DcrClients",
                column: "ClientId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterColumn<string>(
                name: "ClientId",
                table: "OpenIddictApplications",
                type: "nvarchar(100)",
                maxLength: 100,
                nullable: true,
                oldClrType: typeof(string),
                oldType: "nvarchar(400)",
                oldMaxLength: 400,
                oldNullable: true);

            // SQL Server alters no column of a primary key: the key is dropped and added again around it.
            migrationBuilder.DropPrimaryKey(
                name: "PK_DcrClients",
                table: "DcrClients");

            migrationBuilder.AlterColumn<string>(
                name: "ClientId",
                table: "DcrClients",
                type: "nvarchar(100)",
                maxLength: 100,
                nullable: false,
                oldClrType: typeof(string),
                oldType: "nvarchar(400)",
                oldMaxLength: 400);

            migrationBuilder.AddPrimaryKey(
                name: "PK_DcrClients",
                table: "DcrClients",
                column: "ClientId");
        }
    }
}
