using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace HostSample.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class WidenClientIdForMetadataDocuments : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {

        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {

        }
    }
}
